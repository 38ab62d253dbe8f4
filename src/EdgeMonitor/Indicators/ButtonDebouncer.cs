namespace EdgeMonitor.Indicators;

public enum ButtonAction { None, ShortPress, LongPress }

/// <summary>
/// Turns raw edges into presses. A level counts once it has held for the debounce time
/// (contact bounce is shorter); a press held for the long-press time fires LongPress while
/// still held (the lamp test starts under the finger), otherwise the release fires ShortPress.
/// Times are milliseconds on one monotonic clock; pure, so tests drive it with numbers.
/// </summary>
public sealed class ButtonDebouncer(long debounceMs, long longPressMs)
{
    private bool _raw, _stable, _longFired;
    private long _rawSinceMs, _pressedAtMs;

    public bool Pressed => _stable;

    /// <summary>The line's level at start (a button held at boot is not a press).</summary>
    public void Reset(bool pressed, long nowMs)
    {
        _raw = _stable = pressed;
        _rawSinceMs = _pressedAtMs = nowMs;
        _longFired = pressed;
    }

    /// <summary>A raw edge, bounce included.</summary>
    public void Edge(bool pressed, long nowMs)
    {
        if (pressed != _raw)
        {
            _raw = pressed;
            _rawSinceMs = nowMs;
        }
    }

    /// <summary>What happened by <paramref name="nowMs"/>; <paramref name="waitMs"/>: when to ask again (-1: on the next edge).</summary>
    public ButtonAction Poll(long nowMs, out long waitMs)
    {
        ButtonAction action = ButtonAction.None;
        if (_raw != _stable && nowMs - _rawSinceMs >= debounceMs)
        {
            _stable = _raw;
            if (_stable)
            {
                _pressedAtMs = _rawSinceMs;
                _longFired = false;
            }
            else if (!_longFired)
            {
                action = _rawSinceMs - _pressedAtMs >= longPressMs ? ButtonAction.LongPress : ButtonAction.ShortPress;
                _longFired = true;
            }
        }
        if (action == ButtonAction.None && _stable && !_longFired && nowMs - _pressedAtMs >= longPressMs)
        {
            _longFired = true;
            action = ButtonAction.LongPress;
        }
        waitMs = _raw != _stable ? Math.Max(0, _rawSinceMs + debounceMs - nowMs)
            : _stable && !_longFired ? Math.Max(0, _pressedAtMs + longPressMs - nowMs)
            : -1;
        return action;
    }
}
