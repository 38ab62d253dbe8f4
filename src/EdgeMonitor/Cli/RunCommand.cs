using System.Runtime.InteropServices;
using EdgeMonitor.Configuration;
using EdgeMonitor.Hosting;
using EdgeMonitor.Indicators;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Interop;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Reporting.Mqtt;
using Serilog;

namespace EdgeMonitor.Cli;

public static class RunCommand
{
    public static Verb Verb { get; } = new("run", "monitor continuously: LEDs, MQTT, log, state file (the daemon)",
        """
        usage: edgemonitor run [--config PATH] [--state-dir DIR]

        Checks every target on its kind's interval (monitor.intervalSeconds, monitor.intervals),
        applies hysteresis (monitor.failuresToFail, monitor.successesToRecover) and reports each
        status change to the log, status.json and the other outputs.
          --config PATH     configuration file (default: $CONFIGURATION_DIRECTORY/edgemonitor.json,
                            else /etc/edgemonitor/edgemonitor.json, else the embedded default)
          --state-dir DIR   where status.json lives (default: $STATE_DIRECTORY, else /var/lib/edgemonitor)

        signals: SIGTERM/SIGINT stop, SIGHUP reloads the config (a bad one is logged and the
        running one kept), SIGUSR1 re-checks every target now.
        systemd: Type=notify (READY, STATUS, WATCHDOG over $NOTIFY_SOCKET).

        exit: 0 stopped cleanly, 64 usage error, 78 config error

        """, RunAsync);

    private const int SIGHUP = 1, SIGUSR1 = 10;

    private static async Task<int> RunAsync(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        string stateDir = StateFile.DirectoryFor(args.Option("--state-dir"));
        args.EnsureEmpty();

        MallocArenas.Limit();
        using var memoryReclaim = new MemoryReclaim();
        EdgeMonitorConfig config = ConfigOption.Load(configPath);
        MonitorSetup setup = MonitorSetup.From(config);

        ILogger log = Logging.Create(config.Logging, out string? logFile, out string? logFileError);
        Log.Logger = log;
        log.Information("edgemonitor {Version} starting: {Targets} targets, config {Config}, state {StateDir}",
            Verbs.Version, setup.Targets.Count, configPath ?? ConfigLoader.EmbeddedName, stateDir);
        if (logFile is not null)
            log.Information("logging to {File}", logFile);
        if (logFileError is not null)
            log.Warning("no log file ({Error}): console only", logFileError);

        try
        {
            Directory.CreateDirectory(stateDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning("cannot create state directory {Dir}: {Error}", stateDir, e.Message);
        }
        StatusSnapshot? stale = StateFile.Load(Path.Combine(stateDir, StateFile.FileName), out string? staleError);
        if (staleError is not null)
            log.Warning("ignoring unreadable last state: {Error}", staleError);

        using var notifier = SystemdNotifier.FromEnvironment();
        var progress = new ProgressTracker();
        StatusMonitor? monitor = null;
        var stateSink = new StateFileSink(stateDir, log, () => monitor?.Cycles ?? 0);

        // Every output of the status stream, in the order they are told: LEDs first (the glance
        // check), then the log, state file, systemd STATUS and MQTT.
        var sinks = new List<IStatusSink>
        {
            new LogStatusSink(log),
            stateSink,
            new SystemdStatusSink(notifier),
        };
        // Everything that needs to know the scheduler really makes progress: the systemd
        // watchdog (through `progress`) and the LED stall safety.
        var observers = new List<IProgressObserver> { progress };

        monitor = new StatusMonitor(setup, sinks, observers, log, stale);

        // The LEDs and MQTT take the monitor as their control (button, `recheck`/`identify`
        // commands), so they join the lists after it exists and before its loop starts.
        IndicatorHost leds = IndicatorHost.Create(config.Leds, log, monitor, TimeProvider.System);
        monitor.IdentifyRequested += leds.Identify;
        sinks.Insert(0, leds);
        observers.Add(leds);
        DisplayHost? display = DisplayHost.Start(config, log, TimeProvider.System);
        if (display is not null)
        {
            monitor.IdentifyRequested += display.Identify;
            sinks.Insert(1, display);
            observers.Add(display);
        }
        MqttReporter? mqtt = MqttReporter.TryCreate(config.Mqtt, config.Site, config.NodeName, setup.Targets, stateDir, log, monitor,
            TimeProvider.System);
        if (mqtt is not null)
            sinks.Add(mqtt);

        using var stop = new CancellationTokenSource();
        int reloading = 0;
        EdgeMonitorConfig running = config;
        void OnStop(PosixSignalContext c)
        {
            c.Cancel = true;
            log.Information("{Signal}: stopping", c.Signal);
            stop.Cancel();
        }
        void OnReload(PosixSignalContext c)
        {
            c.Cancel = true;
            if (Interlocked.Exchange(ref reloading, 1) == 1)
                return;
            _ = Task.Run(() =>
            {
                try
                {
                    running = Reload(configPath, running, monitor, mqtt, log);
                }
                finally
                {
                    Volatile.Write(ref reloading, 0);
                }
            });
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStop);
        // Started under nohup (or by anything that ignores SIGHUP), reload and re-check would be
        // dead: .NET keeps an inherited "ignore". The handlers below are this daemon's interface.
        Libc.RestoreDefaultDisposition(SIGHUP);
        Libc.RestoreDefaultDisposition(SIGUSR1);
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnReload);
        // Raw signal numbers are allowed on Unix; SIGUSR1 is 10 on every architecture .NET runs on.
        using var usr1 = PosixSignalRegistration.Create((PosixSignal)SIGUSR1, c =>
        {
            c.Cancel = true;
            monitor.RecheckNow("SIGUSR1");
        });

        Task loop = monitor.RunAsync(stop.Token);
        notifier.Ready();
        TimeSpan? wdInterval = SystemdNotifier.WatchdogInterval(
            config.Monitor.WatchdogSeconds > 0 ? TimeSpan.FromSeconds(config.Monitor.WatchdogSeconds) : null);
        Watchdog? watchdog = null;
        if (wdInterval is { } wd && notifier.Enabled)
        {
            watchdog = new Watchdog(notifier, progress, wd, log);
            watchdog.Start();
            log.Information("systemd watchdog every {Seconds:0.#} s", wd.TotalSeconds / 2);
        }

        try
        {
            await loop.ConfigureAwait(false);
        }
        finally
        {
            notifier.Stopping();
            if (watchdog is not null)
                await watchdog.DisposeAsync().ConfigureAwait(false);
            // MQTT says `offline` and flushes what it can; the LEDs show leds.onExit and let go.
            if (mqtt is not null)
                await mqtt.DisposeAsync().ConfigureAwait(false);
            leds.Dispose();
            display?.Dispose();
            await stateSink.DisposeAsync().ConfigureAwait(false);
            log.Information("stopped after {Cycles} cycles, {Probes} probes", monitor.Cycles, monitor.ProbesCompleted);
            try
            {
                await Log.CloseAndFlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The last buffered lines of a full or vanished log file: nothing left to tell.
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Applies a new configuration: targets, schedule, site, node and the MQTT settings at once;
    /// what cannot change while running is named in the log. A bad file keeps the running one.
    /// </summary>
    private static EdgeMonitorConfig Reload(string? configPath, EdgeMonitorConfig running, StatusMonitor monitor, MqttReporter? mqtt, ILogger log)
    {
        string source = configPath ?? ConfigLoader.EmbeddedName;
        log.Information("SIGHUP: reloading {Config}", source);
        EdgeMonitorConfig config;
        MonitorSetup setup;
        try
        {
            config = ConfigOption.Load(configPath);
            setup = MonitorSetup.From(config);
            mqtt?.Reconfigure(config.Mqtt, config.Site, config.NodeName, setup.Targets);
        }
        catch (Exception e) when (e is ConfigException or MqttSettingsException)
        {
            log.Error("reload failed, keeping the running configuration: {Error}", e.Message);
            return running;
        }
        monitor.Reconfigure(setup);
        foreach (string setting in NeedRestart(running, config, mqtt is not null))
            log.Warning("reload: {Setting} changed and takes effect only after a restart (systemctl restart edgemonitor)", setting);
        return config;
    }

    /// <summary>The settings a running daemon cannot take over: its outputs' hardware and files, MQTT on or off, the spool's size.</summary>
    private static IEnumerable<string> NeedRestart(EdgeMonitorConfig old, EdgeMonitorConfig now, bool mqttRunning)
    {
        var json = ConfigJsonContext.Default;
        if (System.Text.Json.JsonSerializer.Serialize(old.Leds, json.LedsConfig) != System.Text.Json.JsonSerializer.Serialize(now.Leds, json.LedsConfig))
            yield return "leds";
        if (System.Text.Json.JsonSerializer.Serialize(old.Logging, json.LoggingConfig) != System.Text.Json.JsonSerializer.Serialize(now.Logging, json.LoggingConfig))
            yield return "logging";
        if (MqttSection.IsOn(now.Mqtt) != mqttRunning)
            yield return mqttRunning ? "mqtt (turned off)" : "mqtt (turned on)";
        if (old.Mqtt.SpoolMaxEvents != now.Mqtt.SpoolMaxEvents || old.Mqtt.SpoolMaxBytes != now.Mqtt.SpoolMaxBytes)
            yield return "mqtt.spoolMaxEvents/spoolMaxBytes";
    }
}
