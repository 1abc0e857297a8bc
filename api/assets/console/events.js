// The live event feed (`GET /api/v1/events`, Server-Sent Events) read with
// fetch, because EventSource cannot send the Authorization header and the
// token never goes into a URL. Reconnects with Last-Event-ID.

import { session } from './api.js';

/**
 * Calls `onEvent({type, id, data})` for each message until `signal` aborts.
 * `onState('live' | 'reconnecting' | 'ended')` reports the connection.
 */
export async function followEvents(onEvent, onState, signal) {
  let lastId = null;
  while (!signal.aborted) {
    let ended = false;
    try {
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token()}` };
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      const answer = await fetch('/api/v1/events', { headers, signal, cache: 'no-store' });
      if (answer.status === 401 || answer.status === 403) {
        onState('ended', answer.status);
        return;
      }
      if (!answer.ok || !answer.body) throw new Error(`HTTP ${answer.status}`);
      onState('live');
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          const message = parse(block);
          if (message.id !== null) lastId = message.id;
          if (message.type === 'revoked') {
            ended = true;
            onState('ended', 401);
          }
          if (message.data !== null) onEvent(message);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
    }
    if (ended) return;
    onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function parse(block) {
  const message = { type: 'message', id: null, data: null };
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') message.type = value;
    else if (field === 'id') message.id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length) {
    try {
      message.data = JSON.parse(data.join('\n'));
    } catch {
      message.data = data.join('\n');
    }
  }
  return message;
}
