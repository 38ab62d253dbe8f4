using EdgeMonitor.Indicators;

namespace EdgeMonitor.Tests.Indicators;

public sealed class ButtonDebouncerTests
{
    private static List<(long At, ButtonAction Action)> Run(ButtonDebouncer d, IEnumerable<(long At, bool Pressed)> edges, long until)
    {
        var actions = new List<(long, ButtonAction)>();
        var queue = new Queue<(long At, bool Pressed)>(edges);
        // Step 1 ms through time as the button thread would wake: on edges and on Poll's deadline.
        for (long t = 0; t <= until; t++)
        {
            while (queue.Count > 0 && queue.Peek().At == t)
                d.Edge(queue.Dequeue().Pressed, t);
            ButtonAction a = d.Poll(t, out _);
            if (a != ButtonAction.None)
                actions.Add((t, a));
        }
        return actions;
    }

    private static IEnumerable<(long, bool)> Bouncy(long at, bool pressed) =>
        [(at, pressed), (at + 2, !pressed), (at + 3, pressed), (at + 7, !pressed), (at + 9, pressed)];

    [Fact]
    public void A_bouncy_short_press_is_one_recheck()
    {
        var d = new ButtonDebouncer(30, 2000);
        d.Reset(false, 0);
        var actions = Run(d, [.. Bouncy(100, true), .. Bouncy(400, false)], 3000);
        Assert.Equal([(439L, ButtonAction.ShortPress)], actions);
    }

    [Fact]
    public void A_long_press_fires_while_held_and_the_release_adds_nothing()
    {
        var d = new ButtonDebouncer(30, 2000);
        d.Reset(false, 0);
        var actions = Run(d, [.. Bouncy(100, true), .. Bouncy(5000, false)], 6000);
        Assert.Equal([(2109L, ButtonAction.LongPress)], actions); // from the last bounce of the press
    }

    [Fact]
    public void Glitches_shorter_than_the_debounce_are_ignored()
    {
        var d = new ButtonDebouncer(30, 2000);
        d.Reset(false, 0);
        Assert.Empty(Run(d, [(100, true), (125, false), (500, true), (529, false)], 3000));
    }

    [Fact]
    public void A_button_held_at_start_is_not_a_press_until_released_and_pressed_again()
    {
        var d = new ButtonDebouncer(30, 2000);
        d.Reset(true, 0);
        Assert.Empty(Run(d, [(3000, false)], 4000));
        Assert.False(d.Pressed);
    }

    [Fact]
    public void A_long_press_seen_only_at_release_is_still_long()
    {
        var d = new ButtonDebouncer(30, 2000);
        d.Reset(false, 0);
        d.Edge(true, 10);
        Assert.Equal(ButtonAction.None, d.Poll(50, out long wait));
        Assert.Equal(1960, wait); // wake at the long-press deadline
        d.Edge(false, 3000); // the thread missed the deadline (busy box)
        Assert.Equal(ButtonAction.LongPress, d.Poll(3030, out wait));
        Assert.Equal(-1, wait);
        Assert.Equal(ButtonAction.None, d.Poll(9000, out _));
    }

    [Fact]
    public void Poll_says_when_to_look_again()
    {
        var d = new ButtonDebouncer(30, 2000);
        d.Reset(false, 0);
        Assert.Equal(ButtonAction.None, d.Poll(5, out long wait));
        Assert.Equal(-1, wait); // nothing pending: sleep until an edge
        d.Edge(true, 10);
        d.Poll(12, out wait);
        Assert.Equal(28, wait); // debounce deadline
    }
}
