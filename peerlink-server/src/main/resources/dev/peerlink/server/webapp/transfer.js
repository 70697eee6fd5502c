// The file transfer protocol of `peerlink send` / `peerlink receive` (docs/signaling.md "File transfer"), so that
// the browser and the CLI interoperate both ways: on a reliable ordered data channel labelled "file", a JSON
// text header {"name","size","sha256"}, the bytes as binary messages of 64 KiB, the text "end"; the receiver
// answers "ok" or "bad <reason>".

import {Sha256, sha256OfBlob} from './sha256.js';

export const FILE_LABEL = 'file';
export const CHUNK = 64 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Received files are kept in memory until saved; larger ones are refused with "bad". */
export const MAX_RECEIVE_BYTES = 1024 * 1024 * 1024;

/**
 * Sends `file` (a File or Blob with a name) on a new "file" channel of `pc`. `progress({phase, bytes, total})` is
 * called while hashing and sending. Resolves with {ok, reason, name, size, sha256, seconds}.
 */
export async function sendFile(pc, file, name, progress = () => {}) {
  const channel = pc.createDataChannel(FILE_LABEL, {ordered: true});
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = LOW_WATER;
  const verdict = new Promise(resolve => {
    channel.onmessage = event => {
      if (typeof event.data === 'string') resolve(event.data);
    };
    channel.onclose = () => resolve('bad the receiver closed the channel before confirming');
  });
  const opened = new Promise((resolve, reject) => {
    channel.onopen = resolve;
    channel.onerror = event => reject(new Error(event.error ? event.error.message : 'data channel error'));
    channel.addEventListener('close', () => reject(new Error('the data channel closed before it opened')));
  });
  const sha256 = await sha256OfBlob(file, bytes => progress({phase: 'hashing', bytes, total: file.size}));
  await opened;
  const started = performance.now();
  channel.send(JSON.stringify({name, size: file.size, sha256}));
  let sent = 0;
  const SLICE = 16 * CHUNK;
  for (let offset = 0; offset < file.size; offset += SLICE) {
    const bytes = new Uint8Array(await file.slice(offset, offset + SLICE).arrayBuffer());
    for (let i = 0; i < bytes.length; i += CHUNK) {
      if (channel.bufferedAmount > HIGH_WATER) {
        await new Promise(resolve => {
          channel.addEventListener('bufferedamountlow', resolve, {once: true});
          channel.addEventListener('close', resolve, {once: true});
        });
      }
      if (channel.readyState !== 'open') throw new Error('the data channel closed while sending');
      const piece = bytes.subarray(i, Math.min(i + CHUNK, bytes.length));
      channel.send(piece);
      sent += piece.length;
      progress({phase: 'sending', bytes: sent, total: file.size, seconds: (performance.now() - started) / 1000});
    }
  }
  channel.send('end');
  const answer = await verdict;
  const seconds = (performance.now() - started) / 1000;
  channel.close();
  return {ok: answer === 'ok', reason: answer === 'ok' ? null : answer.replace(/^bad ?/, ''), name,
    size: file.size, sha256, seconds};
}

/**
 * Receives one file on an incoming "file" channel, as `peerlink receive` does. `progress({bytes, total,
 * seconds})` on every chunk. Resolves with {ok, reason, name, size, sha256, expectedSha256, blob, seconds}.
 */
export function receiveFile(channel, progress = () => {}) {
  channel.binaryType = 'arraybuffer';
  return new Promise(resolve => {
    let header = null;
    let hash = null;
    let received = 0;
    let parts = [];
    let started = 0;
    let done = false;
    const finish = result => {
      if (done) return;
      done = true;
      parts = null;
      resolve(result);
    };
    const reject = reason => {
      try {
        channel.send('bad ' + reason);
      } catch {
        // the sender is gone
      }
      finish({ok: false, reason, name: header && header.name, size: received});
    };
    channel.onclose = () => finish({ok: false, reason: 'the sender closed the channel before "end"',
      name: header && header.name, size: received});
    channel.onmessage = event => {
      if (done) return;
      const data = event.data;
      if (!header) {
        if (typeof data !== 'string') return reject('the first message must be the JSON header');
        let parsed;
        try {
          parsed = JSON.parse(data);
        } catch {
          return reject('the header is not JSON');
        }
        if (!parsed || typeof parsed.name !== 'string' || !Number.isSafeInteger(parsed.size)
            || typeof parsed.sha256 !== 'string') {
          return reject('the header needs "name", "size" and "sha256"');
        }
        const name = parsed.name;
        if (!name || name === '.' || name.includes('/') || name.includes('\\') || name.includes('..')
            || name.includes('\0') || parsed.size < 0) {
          return reject('refusing the file name "' + name + '"' + (parsed.size < 0 ? ' with a negative size' : ''));
        }
        if (parsed.size > MAX_RECEIVE_BYTES) {
          return reject('the browser keeps received files in memory and takes at most ' + MAX_RECEIVE_BYTES
            + ' bytes');
        }
        header = {name, size: parsed.size, sha256: parsed.sha256.toLowerCase()};
        hash = new Sha256();
        started = performance.now();
        progress({bytes: 0, total: header.size, seconds: 0, name});
      } else if (typeof data !== 'string') {
        received += data.byteLength;
        if (received > header.size) return reject('more than the announced ' + header.size + ' bytes arrived');
        hash.update(new Uint8Array(data));
        parts.push(data);
        progress({bytes: received, total: header.size, seconds: (performance.now() - started) / 1000,
          name: header.name});
      } else if (data === 'end') {
        const sha256 = hash.hex();
        const seconds = (performance.now() - started) / 1000;
        if (received !== header.size) return reject('got ' + received + ' bytes, expected ' + header.size);
        if (sha256 !== header.sha256) {
          return reject('SHA-256 mismatch: got ' + sha256 + ', expected ' + header.sha256);
        }
        const blob = new Blob(parts, {type: 'application/octet-stream'});
        channel.send('ok');
        finish({ok: true, reason: null, name: header.name, size: received, sha256,
          expectedSha256: header.sha256, blob, seconds});
      } else {
        reject('unexpected text message in the middle of the file');
      }
    };
  });
}
