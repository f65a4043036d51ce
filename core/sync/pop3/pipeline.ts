/**
 * Keeps several commands in flight on one connection and hands their answers on in the order they were sent.
 * POP3 answers arrive in order anyway; the window bounds how much a slow consumer lets pile up in memory, by count
 * and by weight (the letters' sizes). With a depth of 1 it is the plain request-answer dialogue RFC 1939 expects
 * from a server that does not announce PIPELINING.
 */
export class Pipeline<T> {
  private readonly queue: Array<{ answer: Promise<T>; weight: number }> = [];
  private weight = 0;

  constructor(
    private readonly depth: number,
    private readonly maxWeight: number,
    private readonly take: (answer: T) => void | Promise<void>,
  ) {}

  /**
   * Sends the next command once the window has room. A full window is taken down to half, so the next commands
   * go out together (the connection writes the commands of one tick in one packet) rather than one per answer.
   */
  async add(send: () => Promise<T>, weight = 0): Promise<void> {
    if (this.queue.length >= this.depth) {
      while (this.queue.length > this.depth / 2) await this.takeOldest();
    }
    while (this.queue.length > 0 && this.weight + weight > this.maxWeight) await this.takeOldest();
    const answer = send();
    // When the link dies every answer in flight fails; only the oldest is awaited, the rest must not be unhandled.
    answer.catch(() => {});
    this.queue.push({ answer, weight });
    this.weight += weight;
  }

  /** Takes every answer still in flight. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.takeOldest();
  }

  private async takeOldest(): Promise<void> {
    const oldest = this.queue.shift() as { answer: Promise<T>; weight: number };
    this.weight -= oldest.weight;
    await this.take(await oldest.answer);
  }
}
