// Talks to Fetchline's API from the page. The API key lives in this module's memory only: not in a cookie, local or
// session storage, and never in a URL, so it is gone when the tab is closed or reloaded. It travels as
// "Authorization: Bearer", which EventSource cannot send: event streams are read with fetch() and parsed here.

let apiKey = null;

/** Thrown when the service wants a key (or a different one). */
export class KeyNeeded extends Error {
  constructor() {
    super('This service needs an API key');
  }
}

/** A response the API refused, with its problem details. */
export class Refused extends Error {
  constructor(status, problem) {
    super(problem?.detail || `The service answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function useKey(key) {
  apiKey = key || null;
}

export function hasKey() {
  return apiKey !== null;
}

function headers(extra = {}) {
  const all = { ...extra };
  if (apiKey !== null) {
    all.Authorization = `Bearer ${apiKey}`;
  }
  return all;
}

async function refusal(response) {
  if (response.status === 401) {
    return new KeyNeeded();
  }
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // Not a problem document: the status says enough.
  }
  return new Refused(response.status, problem);
}

/** Sends a request and returns the JSON answer; throws KeyNeeded or Refused. */
export async function call(method, path, { body, type } = {}) {
  const extra = { Accept: 'application/json' };
  if (type) {
    extra['Content-Type'] = type;
  }
  const response = await fetch(path, { method, headers: headers(extra), body, cache: 'no-store' });
  if (!response.ok) {
    throw await refusal(response);
  }
  return response.status === 204 ? null : response.json();
}

/**
 * Reads a text/event-stream and calls onEvent({id, event, data}) for each event, until the stream ends, fails, or
 * signal aborts it. Resolves when the server ended the stream.
 */
export async function stream(path, onEvent, signal) {
  const response = await fetch(path, {
    headers: headers({ Accept: 'text/event-stream' }),
    cache: 'no-store',
    signal,
  });
  if (!response.ok) {
    throw await refusal(response);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, event: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      let line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line.endsWith('\r')) {
        line = line.slice(0, -1);
      }
      if (line === '') {
        if (event.data.length > 0) {
          onEvent({ id: event.id, event: event.event, data: event.data.join('\n') });
        }
        event = { id: event.id, event: 'message', data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) {
          text = text.slice(1);
        }
        if (field === 'data') {
          event.data.push(text);
        } else if (field === 'event') {
          event.event = text;
        } else if (field === 'id') {
          event.id = text;
        }
      }
    }
  }
}
