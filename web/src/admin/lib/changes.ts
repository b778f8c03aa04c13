// "Something was changed": mutations (decide, block, lift...) announce it, so
// figures shown elsewhere (the navigation's counts) refresh at once instead of
// at the next poll.
export class ChangeSignal {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const l of [...this.listeners]) l();
  }
}
