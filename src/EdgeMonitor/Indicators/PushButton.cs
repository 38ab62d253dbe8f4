using EdgeMonitor.Configuration;
using Iot.Device.Button;

namespace EdgeMonitor.Indicators;

public enum ButtonAction { ShortPress, LongPress }

/// <summary>
/// The push button: Iot.Device.Bindings' <see cref="GpioButton"/> on a pin of our controller.
/// Holding for longPressMs fires LongPress while still held (the lamp test starts under the
/// finger); a release before that fires ShortPress (re-check). GpioButton raises Press on every
/// release, a long one included, so a press that already fired LongPress is not a ShortPress too.
/// Debounce: GpioButton ignores presses within debounceMs of a release; the chardev driver also
/// has the kernel debounce the line, which filters bounce on the press edge as well.
/// </summary>
public sealed class PushButton : IDisposable
{
    private readonly GpioPins _pins;
    private readonly GpioButton _button;
    private readonly Action<ButtonAction> _onAction;
    private readonly Serilog.ILogger _log;
    private int _heldThisPress;

    public string Describe { get; }

    public PushButton(GpioDriverKind kind, ButtonConfig config, Action<ButtonAction> onAction, Serilog.ILogger log)
        : this(GpioPins.Open(kind, config.Chip, TimeSpan.FromMilliseconds(config.DebounceMs)), config, onAction, log)
    {
    }

    /// <summary>On pins already opened (tests pass a controller on a fake driver); the button owns them from here.</summary>
    public PushButton(GpioPins pins, ButtonConfig config, Action<ButtonAction> onAction, Serilog.ILogger log)
    {
        _pins = pins;
        _onAction = onAction;
        _log = log;
        try
        {
            var (line, low) = GpioPins.ParseLine(config.Line);
            int pin = pins.Pin(line);
            // Active-low: the button pulls the line to ground, so the pull-up holds it high at rest.
            _button = new GpioButton(pin,
                // Double press is off; GpioButton still wants this at least 3 x debounce.
                doublePress: TimeSpan.FromMilliseconds(Math.Max(1000, 3 * config.DebounceMs)),
                holding: TimeSpan.FromMilliseconds(config.LongPressMs),
                isPullUp: low || config.ActiveLow,
                hasExternalResistor: false,
                gpio: pins.Controller,
                shouldDispose: false,
                debounceTime: TimeSpan.FromMilliseconds(config.DebounceMs))
            {
                IsHoldingEnabled = true,
            };
            _button.ButtonDown += (_, _) => Volatile.Write(ref _heldThisPress, 0);
            _button.Holding += (_, e) =>
            {
                if (e.HoldingState == ButtonHoldingState.Started && Interlocked.Exchange(ref _heldThisPress, 1) == 0)
                    Fire(ButtonAction.LongPress);
            };
            _button.Press += (_, _) =>
            {
                if (Interlocked.Exchange(ref _heldThisPress, 1) == 0)
                    Fire(ButtonAction.ShortPress);
            };
            Describe = $"button {pins.Describe} {pin}";
        }
        catch (Exception e) when (e is not IndicatorException)
        {
            pins.Dispose();
            throw new IndicatorException($"button on {pins.Describe}: {e.Message}", e);
        }
        catch
        {
            pins.Dispose();
            throw;
        }
    }

    private void Fire(ButtonAction action)
    {
        try
        {
            _onAction(action);
        }
        catch (Exception e)
        {
            _log.Error("button: {Action} failed: {Error}", action.ToString(), e.Message);
        }
    }

    public void Dispose()
    {
        _button.Dispose();
        _pins.Dispose();
    }
}
