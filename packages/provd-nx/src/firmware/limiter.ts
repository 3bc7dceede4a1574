/** At most `overall` tasks at once, and at most `perHost` on any one host: vendors throttle crawlers. */
export class HostLimiter {
  private running = 0;
  private perHostRunning = new Map<string, number>();
  private queue: { host: string; start: () => void }[] = [];

  constructor(readonly overall: number, readonly perHost: number) {}

  run<T>(host: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        host,
        start: () => {
          task().then(resolve, reject).finally(() => {
            this.running--;
            this.perHostRunning.set(host, this.perHostRunning.get(host)! - 1);
            this.pump();
          });
        },
      });
      this.pump();
    });
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length && this.running < this.overall; ) {
      const next = this.queue[i];
      const busy = this.perHostRunning.get(next.host) ?? 0;
      if (busy >= this.perHost) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.running++;
      this.perHostRunning.set(next.host, busy + 1);
      next.start();
    }
  }
}
