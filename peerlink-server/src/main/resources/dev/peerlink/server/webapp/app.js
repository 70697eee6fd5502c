// peerlink's web app: join a room, see who is there, connect to another browser or a Java peer (trickle ICE over
// the signaling protocol), chat, send and receive files, and watch the ICE candidates, the selected pair, RTT and
// throughput. The peer that joins a room second calls the first, as `peerlink send` and `peerlink chat` do.

import {Signaling, signalingUrl} from './signaling.js';
import {FILE_LABEL, receiveFile, sendFile} from './transfer.js';
import {addressScope, parseCandidate, selectedPair, TYPE_NAMES} from './ice.js';
import {LineChart} from './chart.js';

export const CHAT_LABEL = 'chat';
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const $ = id => document.getElementById(id);

const state = {
  signaling: null,
  self: null,
  peers: [],
  remote: null,
  pc: null,
  chat: null,
  pendingCandidates: [],
  iceServers: [],
  relayOnly: false,
  localCandidates: [],
  remoteCandidates: [],
  selected: null,
  transfers: [],
  chatLog: [],
  statsTimer: null,
  lastBytes: null,
};

const rttChart = new LineChart($('rtt-chart'), {title: 'Round-trip time', unit: 'ms', color: '#2b6cb0'});
const throughputChart = new LineChart($('throughput-chart'), {title: 'Throughput (sent + received)', unit: 'Mbit/s',
  color: '#38a169', format: v => v.toFixed(v < 10 ? 2 : 0)});

function log(text) {
  const item = document.createElement('li');
  item.textContent = new Date().toLocaleTimeString() + '  ' + text;
  $('log').append(item);
  item.scrollIntoView({block: 'nearest'});
}

function setStatus(text) {
  $('status').textContent = text;
}

// ------------------------------------------------------------------------------------------------ joining

async function fetchIceServers() {
  try {
    const response = await fetch('/api/ice-servers?user=' + encodeURIComponent(state.self || 'web'));
    if (!response.ok) {
      log('no TURN credentials from the server (' + response.status + '): ' + (await response.text()).trim());
      return [];
    }
    return (await response.json()).iceServers || [];
  } catch (error) {
    log('could not fetch /api/ice-servers: ' + error.message);
    return [];
  }
}

async function join(room, name) {
  if (!NAME.test(room)) throw new Error('a room name is 1 to 64 letters, digits, "_" or "-"');
  if (name && !NAME.test(name)) throw new Error('a name is 1 to 64 letters, digits, "_" or "-"');
  const signaling = new Signaling(signalingUrl());
  state.signaling = signaling;
  signaling.addEventListener('welcome', event => {
    state.self = event.detail.peer;
    state.peers = event.detail.peers.slice();
    renderPresence();
    if (event.detail.resumed) log('reconnected to the signaling server');
  });
  signaling.addEventListener('peer-joined', event => {
    if (!state.peers.includes(event.detail.peer)) state.peers.push(event.detail.peer);
    log(event.detail.peer + ' joined');
    renderPresence();
  });
  signaling.addEventListener('peer-left', event => {
    state.peers = state.peers.filter(peer => peer !== event.detail.peer);
    log(event.detail.peer + ' left (' + event.detail.reason + ')');
    if (event.detail.peer === state.remote) endCall(event.detail.peer + ' left the room');
    renderPresence();
  });
  signaling.addEventListener('signal', event => onSignal(event.detail).catch(error => log('signal failed: '
    + error.message)));
  signaling.addEventListener('server-error', event => log('the signaling server says: ' + event.detail.message));
  signaling.addEventListener('reconnecting', event => {
    setStatus('signaling connection lost; reconnecting (attempt ' + event.detail.attempt + ')');
  });
  signaling.addEventListener('closed', event => {
    setStatus('signaling closed' + (event.detail.reason ? ': ' + event.detail.reason : ''));
  });
  const welcome = await signaling.join(room, name || undefined);
  state.self = welcome.peer;
  state.iceServers = await fetchIceServers();
  $('relay-line').append($('relay-label')); // the toggle stays at hand for later calls
  $('join-section').hidden = true;
  for (const id of ['room-section', 'chat-section', 'files-section', 'network-section']) $(id).hidden = false;
  rttChart.draw(); // now that the canvases have their laid-out size
  throughputChart.draw();
  $('room-name').textContent = room;
  $('self-name').textContent = state.self;
  history.replaceState(null, '', '#room=' + encodeURIComponent(room));
  log('joined room ' + room + ' as ' + state.self + (welcome.peers.length ? '; here: ' + welcome.peers.join(', ')
    : '; nobody else is here yet'));
  setStatus(welcome.peers.length ? 'calling ' + welcome.peers[0] : 'waiting for someone to join');
  if (welcome.peers.length) await call(welcome.peers[0]);
  return welcome;
}

function renderPresence() {
  const list = $('presence');
  list.replaceChildren();
  const self = document.createElement('li');
  self.textContent = state.self + ' (you)';
  list.append(self);
  for (const peer of state.peers) {
    const item = document.createElement('li');
    item.textContent = peer + (peer === state.remote ? ' — connected' : '');
    item.dataset.peer = peer;
    if (peer !== state.remote) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Connect';
      button.addEventListener('click', () => call(peer).catch(error => log('call failed: ' + error.message)));
      item.append(button);
    }
    list.append(item);
  }
}

// ---------------------------------------------------------------------------------------------- the call

function newPeerConnection(remote) {
  // A new call to another peer hangs up the old one; a new one with the same peer (it called us while we called
  // it) replaces ours without a bye, which would end the new call too.
  if (state.pc) endCall(state.remote === remote ? 'replaced by a new call with ' + remote : undefined);
  state.remote = remote;
  state.localCandidates = [];
  state.remoteCandidates = [];
  state.pendingCandidates = [];
  state.selected = null;
  renderCandidates();
  const config = {iceServers: state.iceServers, iceTransportPolicy: state.relayOnly ? 'relay' : 'all'};
  const pc = new RTCPeerConnection(config);
  state.pc = pc;
  pc.addEventListener('icecandidate', event => {
    if (pc !== state.pc) return;
    if (event.candidate && event.candidate.candidate) {
      const parsed = parseCandidate(event.candidate.candidate);
      if (parsed) state.localCandidates.push(parsed);
      renderCandidates();
      state.signaling.signal(remote, 'candidate', event.candidate.toJSON());
    } else if (!event.candidate) {
      state.signaling.signal(remote, 'end-of-candidates');
    }
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc !== state.pc) return;
    setStatus(pc.connectionState + ' with ' + remote + (config.iceTransportPolicy === 'relay' ? ' (relay only)'
      : ''));
    if (pc.connectionState === 'failed') log('the connection to ' + remote + ' failed');
  });
  pc.addEventListener('datachannel', event => onDataChannel(event.channel));
  $('hang-up').disabled = false;
  state.statsTimer = setInterval(() => sampleStats(pc).catch(() => {}), 1000);
  renderPresence();
  return pc;
}

/** Calls `remote`: a new peer connection with the chat channel, and an offer. */
async function call(remote) {
  const pc = newPeerConnection(remote);
  setupChat(pc.createDataChannel(CHAT_LABEL));
  await pc.setLocalDescription(await pc.createOffer());
  state.signaling.signal(remote, 'offer', pc.localDescription.toJSON());
  log('offered a connection to ' + remote + (state.relayOnly ? ' (relay only)' : ''));
}

async function onSignal({from, kind, payload}) {
  if (kind === 'offer') {
    if (state.pc && state.remote === from && state.pc.signalingState === 'have-local-offer' && state.self > from) {
      return; // both called at once: the peer whose name sorts first gives way and answers (this is the other)
    }
    if (!payload || typeof payload.sdp !== 'string') return log(from + ' sent an offer without sdp');
    const pc = state.pc && state.remote === from && state.pc.signalingState === 'stable' && state.pc.remoteDescription
      ? state.pc : newPeerConnection(from);
    await pc.setRemoteDescription({type: 'offer', sdp: payload.sdp});
    await pc.setLocalDescription(await pc.createAnswer());
    state.signaling.signal(from, 'answer', pc.localDescription.toJSON());
    await flushCandidates(pc);
    log('answered ' + from);
    return;
  }
  if (from !== state.remote || !state.pc) return;
  const pc = state.pc;
  if (kind === 'answer') {
    if (!payload || typeof payload.sdp !== 'string') return log(from + ' sent an answer without sdp');
    await pc.setRemoteDescription({type: 'answer', sdp: payload.sdp});
    await flushCandidates(pc);
  } else if (kind === 'candidate' || kind === 'end-of-candidates') {
    const candidate = kind === 'candidate' ? payload : null;
    if (candidate && candidate.candidate) {
      const parsed = parseCandidate(candidate.candidate);
      if (parsed) state.remoteCandidates.push(parsed);
      renderCandidates();
    }
    if (pc.remoteDescription) await addCandidate(pc, candidate); else state.pendingCandidates.push(candidate);
  } else if (kind === 'bye') {
    endCall(from + ' hung up');
  }
}

async function flushCandidates(pc) {
  const pending = state.pendingCandidates;
  state.pendingCandidates = [];
  for (const candidate of pending) await addCandidate(pc, candidate);
}

async function addCandidate(pc, candidate) {
  try {
    if (candidate) {
      await pc.addIceCandidate({candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? '0',
        sdpMLineIndex: candidate.sdpMLineIndex ?? 0});
    } else {
      await pc.addIceCandidate();
    }
  } catch (error) {
    log('ignored a remote candidate: ' + error.message);
  }
}

/** Ends the call (and tells the other side when `reason` is not given: this side hung up). */
function endCall(reason) {
  const pc = state.pc;
  if (!pc) return;
  if (!reason && state.remote) state.signaling.signal(state.remote, 'bye');
  clearInterval(state.statsTimer);
  state.pc = null;
  pc.close();
  state.chat = null;
  log(reason || 'hung up');
  setStatus('not connected' + (reason ? ' (' + reason + ')' : ''));
  state.remote = null;
  state.lastBytes = null;
  setChatEnabled(false);
  $('file-input').disabled = true;
  $('hang-up').disabled = true;
  renderPresence();
}

// ---------------------------------------------------------------------------------------------- channels

function onDataChannel(channel) {
  if (channel.label === CHAT_LABEL) {
    setupChat(channel);
  } else if (channel.label === FILE_LABEL) {
    const row = addTransferRow('receiving from ' + state.remote);
    const from = state.remote;
    receiveFile(channel, progress => showProgress(row, progress.name, progress.bytes, progress.total,
      progress.seconds)).then(result => {
      const transfer = {direction: 'received', from, ...result};
      state.transfers.push(transfer);
      finishTransferRow(row, transfer);
      log((result.ok ? 'received ' : 'refused ') + (result.name || 'a file') + ' from ' + from
        + (result.ok ? ' (SHA-256 verified)' : ': ' + result.reason));
    });
  } else {
    log(state.remote + ' opened an unknown channel "' + channel.label + '"');
  }
}

function setupChat(channel) {
  state.chat = channel;
  channel.addEventListener('open', () => {
    setChatEnabled(true);
    $('file-input').disabled = false;
    log('connected to ' + state.remote);
  });
  channel.addEventListener('close', () => setChatEnabled(false));
  channel.addEventListener('message', event => {
    if (typeof event.data === 'string') addChatLine(state.remote, event.data, false);
  });
  if (channel.readyState === 'open') {
    setChatEnabled(true);
    $('file-input').disabled = false;
  }
}

function setChatEnabled(enabled) {
  $('chat-input').disabled = !enabled;
  $('chat-send').disabled = !enabled;
}

function addChatLine(from, text, mine) {
  state.chatLog.push({from, text, mine});
  const item = document.createElement('li');
  item.className = mine ? 'mine' : 'theirs';
  const who = document.createElement('span');
  who.className = 'from';
  who.textContent = from;
  item.append(who, document.createTextNode(text));
  $('chat-log').append(item);
  item.scrollIntoView({block: 'nearest'});
}

/** Sends a chat message: one text message per line, as `peerlink chat` reads and prints them. */
function sendChat(text) {
  if (!state.chat || state.chat.readyState !== 'open') throw new Error('not connected');
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    state.chat.send(line);
    addChatLine(state.self, line, true);
  }
}

async function sendFileToPeer(file, name = file.name) {
  if (!state.pc || !state.remote) throw new Error('not connected');
  const to = state.remote;
  const row = addTransferRow('sending ' + name + ' to ' + to);
  const result = await sendFile(state.pc, file, name, progress => {
    if (progress.phase === 'hashing') {
      row.text.textContent = 'hashing ' + name + ': ' + percent(progress.bytes, progress.total);
      row.bar.value = 0;
    } else {
      showProgress(row, name, progress.bytes, progress.total, progress.seconds);
    }
  });
  const transfer = {direction: 'sent', to, ...result};
  state.transfers.push(transfer);
  finishTransferRow(row, transfer);
  log((result.ok ? 'sent ' : 'could not send ') + name + ' to ' + to + (result.ok ? ' (confirmed)' : ': '
    + result.reason));
  return transfer;
}

// -------------------------------------------------------------------------------------------- transfers UI

function addTransferRow(title) {
  const item = document.createElement('li');
  const text = document.createElement('div');
  text.textContent = title;
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  item.append(text, bar);
  $('transfers').prepend(item);
  return {item, text, bar};
}

function percent(done, total) {
  return (total ? Math.floor(done * 100 / total) : 100) + ' %';
}

function showProgress(row, name, bytes, total, seconds) {
  row.bar.value = total ? bytes / total : 1;
  const speed = seconds > 0 ? bytes / seconds : 0;
  row.text.textContent = (name || 'file') + ': ' + formatBytes(bytes) + ' of ' + formatBytes(total) + ' ('
    + percent(bytes, total) + ') at ' + formatBytes(speed) + '/s';
}

function finishTransferRow(row, transfer) {
  row.bar.value = transfer.ok ? 1 : row.bar.value;
  const speed = transfer.seconds > 0 ? ' at ' + formatBytes(transfer.size / transfer.seconds) + '/s' : '';
  row.text.className = transfer.ok ? 'ok' : 'bad';
  row.text.textContent = transfer.ok
    ? (transfer.direction === 'sent' ? 'sent ' : 'received ') + transfer.name + ' (' + formatBytes(transfer.size)
      + speed + '), SHA-256 ' + transfer.sha256 + ' verified'
    : (transfer.name || 'file') + ' failed: ' + transfer.reason;
  if (transfer.ok && transfer.blob) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(transfer.blob);
    link.download = transfer.name;
    link.textContent = ' save';
    row.text.append(link);
  }
}

export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? value.toFixed(0) : value.toFixed(1)) + ' ' + units[unit];
}

// ----------------------------------------------------------------------------------------- network panel

function renderCandidates() {
  fillCandidates($('local-candidates'), state.localCandidates);
  fillCandidates($('remote-candidates'), state.remoteCandidates);
  $('selected-pair').textContent = state.selected
    ? state.selected.localType + ' ' + state.selected.local + ' ⇄ ' + state.selected.remoteType + ' '
      + state.selected.remote + ' (' + state.selected.protocol + (state.selected.localType === 'relay'
      || state.selected.remoteType === 'relay' ? ', relayed through TURN' : ', direct') + ')'
    : 'none yet';
}

function fillCandidates(table, candidates) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const candidate of candidates) {
    const row = body.insertRow();
    row.className = 'type-' + candidate.type;
    const note = candidate.mdns ? 'mDNS name (the browser hides its local address)'
      : candidate.type === 'relay' ? 'on the TURN server' + (candidate.relatedAddress ? ', for '
        + candidate.relatedAddress : '')
        : candidate.type === 'srflx' ? 'your address as the STUN server saw it'
          : addressScope(candidate.address);
    for (const text of [TYPE_NAMES[candidate.type] || candidate.type, candidate.protocol
      + (candidate.tcpType ? ' ' + candidate.tcpType : ''), candidate.address, String(candidate.port), note]) {
      row.insertCell().textContent = text;
    }
  }
}

async function sampleStats(pc) {
  if (pc !== state.pc || pc.connectionState === 'closed') return;
  const report = await pc.getStats();
  const selected = selectedPair(report);
  if (selected && selected.local && selected.remote) {
    state.selected = {
      localType: selected.local.candidateType, remoteType: selected.remote.candidateType,
      local: selected.local.address + ':' + selected.local.port,
      remote: selected.remote.address + ':' + selected.remote.port,
      protocol: selected.local.protocol, rttMs: (selected.pair.currentRoundTripTime ?? NaN) * 1000,
    };
    renderCandidates();
    rttChart.push(state.selected.rttMs);
    const bytes = selected.pair.bytesSent + selected.pair.bytesReceived;
    const now = performance.now();
    if (state.lastBytes) {
      throughputChart.push((bytes - state.lastBytes.bytes) * 8 / 1e6 / ((now - state.lastBytes.at) / 1000));
    }
    state.lastBytes = {bytes, at: now};
  }
}

// ------------------------------------------------------------------------------------------------- start

function roomFromLocation() {
  const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  return {room: params.get('room'), name: params.get('name')};
}

function start() {
  const wanted = roomFromLocation();
  if (wanted.room) $('room').value = wanted.room;
  if (wanted.name) $('name').value = wanted.name;
  $('join-form').addEventListener('submit', event => {
    event.preventDefault();
    $('join').disabled = true;
    join($('room').value.trim(), $('name').value.trim()).catch(error => {
      log('could not join: ' + error.message);
      $('join').disabled = false;
    });
  });
  $('chat-form').addEventListener('submit', event => {
    event.preventDefault();
    const text = $('chat-input').value;
    $('chat-input').value = '';
    try {
      sendChat(text);
    } catch (error) {
      log('chat: ' + error.message);
    }
  });
  $('file-input').addEventListener('change', () => {
    const file = $('file-input').files[0];
    $('file-input').value = '';
    if (file) sendFileToPeer(file).catch(error => log('sending failed: ' + error.message));
  });
  state.relayOnly = $('relay-only').checked; // a reload may have restored it
  $('relay-only').addEventListener('change', () => {
    state.relayOnly = $('relay-only').checked;
  });
  $('hang-up').addEventListener('click', () => endCall());
  $('leave').addEventListener('click', () => {
    endCall();
    state.signaling.leave();
    location.hash = '';
    location.reload();
  });
  rttChart.draw();
  throughputChart.draw();
  if (wanted.room) $('join-form').requestSubmit(); // a shared link joins at once
}

start();

// For people poking at it from the developer console, and for the project's browser tests.
window.peerlink = {
  state,
  join: (room, name, {relayOnly = false} = {}) => {
    $('relay-only').checked = relayOnly;
    state.relayOnly = relayOnly;
    return join(room, name);
  },
  call,
  hangUp: () => endCall(),
  sendChat,
  sendFile: (file, name) => sendFileToPeer(file, name),
  dropSignaling: () => state.signaling.drop(),
};
