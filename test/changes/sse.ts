/** A Server-Sent Event as a client reads it: `comment` for a line starting with a colon. */
export interface ServerSentEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads a text/event-stream body as it arrives, by the format's rules (blank line ends an event), written independently of the server. */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events: ServerSentEvent[] = [];
  let ended = false;
  const take = () => {
    let end = text.indexOf('\n\n');
    while (end >= 0) {
      const event: ServerSentEvent = {};
      for (const line of text.slice(0, end).split('\n')) {
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === '') event.comment = value;
        else event[field as 'id' | 'event' | 'data'] = value;
      }
      events.push(event);
      text = text.slice(end + 2);
      end = text.indexOf('\n\n');
    }
  };
  return {
    events,
    get ended() {
      return ended;
    },
    /** Reads until `done` holds for the events so far (or the stream ends); rejects after `ms`. */
    async until(done: (events: ServerSentEvent[]) => boolean, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!done(events) && !ended) {
        if (Date.now() > deadline) throw new Error(`timed out with ${events.length} events`);
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now()))]);
        if (chunk === null) continue;
        if (chunk.done) ended = true;
        else text += decoder.decode(chunk.value, { stream: true });
        take();
      }
      return events;
    },
    cancel: () => reader.cancel(),
  };
}

/** The change events among a stream's events (no comments), with their data parsed. */
export const changesOf = (events: ServerSentEvent[]) => events.filter((event) => event.data !== undefined).map((event) => ({ ...event, change: JSON.parse(event.data!) }));
