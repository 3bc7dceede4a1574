/** A model that cannot be built as its recipe says: the message names the target, the file and the cause. */
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}
