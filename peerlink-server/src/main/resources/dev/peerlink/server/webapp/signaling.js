// A browser client of peerlink's signaling protocol v1 (docs/signaling.md): join a room, presence, relay of
// offer/answer/candidate/end-of-candidates/bye, and resuming the place after a dropped connection.

const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

export function signalingUrl(location = window.location) {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/signaling/v1';
}

/**
 * Events (EventTarget, each a CustomEvent with the server message as detail): welcome, peer-joined, peer-left,
 * signal, server-error, reconnecting, closed.
 */
export class Signaling extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.room = null;
    this.peer = null;
    this.sessionId = null;
    this.leaving = false;
    this.attempt = 0;
  }

  /** Joins a room; resolves with the welcome, rejects with the server's error message. */
  join(room, peer) {
    this.room = room;
    this.peer = peer || undefined;
    this.leaving = false;
    return this.open(false);
  }

  open(resume) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let settled = false;
      ws.onopen = () => {
        const join = {type: 'join', room: this.room};
        if (this.peer) join.peer = this.peer;
        if (resume && this.sessionId) join.resume = this.sessionId;
        ws.send(JSON.stringify(join));
      };
      ws.onmessage = event => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        if (message.type === 'welcome') {
          this.peer = message.peer;
          this.sessionId = message.sessionId;
          this.attempt = 0;
          settled = true;
          resolve(message);
          this.emit('welcome', message);
        } else if (message.type === 'error') {
          if (!settled && message.request === 'join') {
            settled = true;
            this.leaving = true;
            reject(new Error(message.message));
            ws.close();
          } else {
            this.emit('server-error', message);
          }
        } else if (message.type === 'peer-joined' || message.type === 'peer-left' || message.type === 'signal') {
          this.emit(message.type, message);
        }
      };
      ws.onclose = event => {
        if (this.ws !== ws) return;
        if (!settled) {
          settled = true;
          reject(new Error('the signaling server closed the connection (' + (event.reason || event.code) + ')'));
        }
        if (this.leaving || event.code === 1008 || event.code === 1009 || !this.sessionId) {
          this.emit('closed', {code: event.code, reason: event.reason});
          return;
        }
        this.reconnectLater();
      };
    });
  }

  // docs/signaling.md "Reconnecting": a new connection joins with the last sessionId and gets its place back.
  reconnectLater() {
    if (this.attempt >= RECONNECT_DELAYS_MS.length) {
      this.emit('closed', {code: 0, reason: 'gave up reconnecting'});
      return;
    }
    const delay = RECONNECT_DELAYS_MS[this.attempt++];
    this.emit('reconnecting', {attempt: this.attempt, delayMs: delay});
    setTimeout(() => this.open(true).catch(() => {}), delay);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, {detail}));
  }

  signal(to, kind, payload) {
    const message = {type: 'signal', to, kind};
    if (payload !== undefined) message.payload = payload;
    this.send(message);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  leave() {
    this.leaving = true;
    this.send({type: 'leave'});
    if (this.ws) this.ws.close(1000);
  }

  /** Drops the connection without leaving, as a network failure would (the place is kept for a while). */
  drop() {
    if (this.ws) this.ws.close(4000, 'dropped');
  }
}
