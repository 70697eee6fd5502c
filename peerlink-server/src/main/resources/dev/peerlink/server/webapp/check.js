// The connectivity check: gather candidates against this server's STUN and TURN services (from
// /api/ice-servers) and say in plain words what kind of network this browser is on and whether direct
// connections are likely to work. The reasoning follows RFC 4787 (NAT behaviour) and RFC 8445 §5.1.1 (what each
// candidate type proves).

import {addressScope, parseCandidate, TYPE_NAMES} from './ice.js';

const GATHER_TIMEOUT_MS = 10000;
const $ = id => document.getElementById(id);

async function iceServers() {
  const response = await fetch('/api/ice-servers?user=check');
  if (response.ok) return {servers: (await response.json()).iceServers || [], turn: true};
  // A server without TURN still answers STUN on its default port; ask it directly.
  const host = location.hostname.includes(':') ? '[' + location.hostname + ']' : location.hostname;
  return {servers: [{urls: ['stun:' + host + ':3478']}], turn: false,
    note: 'the server hands out no TURN credentials (' + response.status + '), so only STUN is checked'};
}

/** Gathers every candidate for one data channel offer; resolves with the parsed candidates. */
function gather(servers, onCandidate) {
  return new Promise(resolve => {
    const pc = new RTCPeerConnection({iceServers: servers});
    const found = [];
    const done = () => {
      clearTimeout(timer);
      pc.close();
      resolve(found);
    };
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    pc.addEventListener('icecandidate', event => {
      if (!event.candidate) return done();
      const parsed = parseCandidate(event.candidate.candidate);
      if (parsed) {
        parsed.url = event.candidate.url || '';
        found.push(parsed);
        onCandidate(parsed);
      }
    });
    pc.addEventListener('icecandidateerror', event => {
      onCandidate(null, (event.url || 'a server') + ': ' + event.errorCode + ' ' + (event.errorText || ''));
    });
    pc.createDataChannel('check');
    pc.createOffer().then(offer => pc.setLocalDescription(offer));
  });
}

/**
 * From the candidates, a verdict {summary, direct, findings[]}. Pure, so it can be reasoned about (and tested)
 * without a network: `candidates` are parsed candidates, `turnOffered` whether TURN servers were configured.
 */
export function diagnose(candidates, turnOffered) {
  const findings = [];
  const host = candidates.filter(c => c.type === 'host');
  const srflx = candidates.filter(c => c.type === 'srflx');
  const relay = candidates.filter(c => c.type === 'relay');
  const udpRelay = relay.some(c => !c.url || c.url.includes('transport=udp'));
  const hostAddresses = new Set(host.map(c => c.address));
  const publicHost = host.some(c => addressScope(c.address) === 'public');
  if (host.length === 0) findings.push('The browser reported no local addresses at all.');
  if (host.some(c => c.mdns)) {
    findings.push('Your browser hides its local addresses behind random mDNS names (.local); peers on the same '
      + 'network can still find you that way.');
  }
  // RFC 4787 §4.1: a NAT whose mapping depends on the destination gives different ports to different servers.
  const byBase = new Map();
  for (const c of srflx) {
    const key = c.relatedAddress + ':' + c.relatedPort;
    if (!byBase.has(key)) byBase.set(key, new Set());
    byBase.get(key).add(c.address + ':' + c.port);
  }
  const symmetric = [...byBase.values()].some(mapped => mapped.size > 1);
  const srflxIsHost = srflx.length > 0 && srflx.every(c => hostAddresses.has(c.address));

  let summary;
  let direct;
  if (srflx.length === 0 && relay.length === 0 && host.length > 0 && !publicHost) {
    if (turnOffered) {
      summary = 'UDP and TCP to the server seem blocked: a firewall stops WebRTC here.';
      direct = 'no';
      findings.push('Neither the STUN server nor the TURN server answered. Peers on your own local network may '
        + 'still reach you directly; nobody else can.');
    } else {
      summary = 'UDP to the STUN server seems blocked by a firewall.';
      direct = 'unlikely';
      findings.push('Only peers on your own local network can reach you; a TURN relay over TCP or TLS would be '
        + 'needed for the rest.');
    }
  } else if (publicHost || srflxIsHost) {
    summary = 'No NAT: this browser has a public address of its own.';
    direct = 'yes';
    findings.push('Other peers can usually reach you directly, unless a firewall filters incoming packets.');
  } else if (symmetric) {
    summary = 'A symmetric NAT (its mapping depends on the destination, RFC 4787 §4.1).';
    direct = 'only with some peers';
    findings.push('Direct connections work with peers that have a public address or a friendly (cone) NAT; '
      + 'between two symmetric NATs the connection needs the TURN relay.');
  } else if (srflx.length > 0) {
    summary = 'Behind a NAT that keeps one public address and port per local socket (endpoint-independent '
      + 'mapping, RFC 4787 §4.1).';
    direct = 'yes, usually';
    findings.push('Hole punching works with most peers: direct connections are likely. Your public address is '
      + srflx[0].address + '.');
    if (byBase.size > 0 && srflx.length === byBase.size) {
      findings.push('With only one STUN server address this page cannot tell a symmetric NAT from a friendlier '
        + 'one; if connections fail, the relay will carry them.');
    }
  } else {
    summary = 'UDP to the STUN server is blocked, but the TURN relay is reachable.';
    direct = 'unlikely';
  }
  if (relay.length > 0) {
    findings.push('The TURN relay works' + (udpRelay ? '' : ' (over TCP or TLS only)') + ': when a direct '
      + 'connection is impossible, traffic can go through it, so connections will work in every case.');
  } else if (turnOffered) {
    findings.push('The TURN relay could not be reached, so peers that cannot reach you directly cannot connect.');
  } else {
    findings.push('This server offers no TURN relay; configure one so that every peer can connect.');
  }
  return {summary, direct, findings};
}

async function run() {
  $('run-check').disabled = true;
  $('check-status').textContent = 'gathering candidates (up to ' + GATHER_TIMEOUT_MS / 1000 + ' s)…';
  $('findings').replaceChildren();
  const body = $('check-candidates').tBodies[0];
  body.replaceChildren();
  const errors = [];
  try {
    const {servers, turn, note} = await iceServers();
    $('servers').replaceChildren(...servers.flatMap(server => [].concat(server.urls)).map(url => {
      const item = document.createElement('li');
      item.textContent = url;
      return item;
    }));
    const candidates = await gather(servers, (candidate, error) => {
      if (error) return errors.push(error);
      const row = body.insertRow();
      row.className = 'type-' + candidate.type;
      const note = candidate.mdns ? 'mDNS name' : candidate.type === 'host' ? addressScope(candidate.address)
        : candidate.relatedAddress ? 'for local ' + candidate.relatedAddress + ':' + candidate.relatedPort : '';
      for (const text of [TYPE_NAMES[candidate.type] || candidate.type, candidate.protocol, candidate.address,
        String(candidate.port), candidate.url || '', note]) {
        row.insertCell().textContent = text;
      }
    });
    const verdict = diagnose(candidates, turn);
    window.checkResult = {candidates, verdict, errors};
    $('verdict').textContent = verdict.summary + ' Direct connections: ' + verdict.direct + '.';
    for (const text of (note ? [note] : []).concat(verdict.findings, errors.map(e => 'Server error: ' + e))) {
      const item = document.createElement('li');
      item.textContent = text;
      $('findings').append(item);
    }
    $('check-status').textContent = 'done: ' + candidates.length + ' candidates';
  } catch (error) {
    $('check-status').textContent = 'the check failed: ' + error.message;
    window.checkResult = {error: error.message};
  } finally {
    $('run-check').disabled = false;
  }
}

$('run-check').addEventListener('click', run);
run();
