/** A shared ticking clock for live durations (one interval for the whole app, only while someone listens). */
class Clock {
  now = $state(Date.now());
  private users = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Call in an $effect; returns the cleanup. */
  use(): () => void {
    this.users++;
    if (!this.timer) this.timer = setInterval(() => (this.now = Date.now()), 1000);
    return () => {
      this.users--;
      if (this.users === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }
}

export const clock = new Clock();
