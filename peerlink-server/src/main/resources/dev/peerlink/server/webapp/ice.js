// Reading ICE candidates (RFC 8839 §5.1 candidate-attribute) and addresses, for the panels and the check page.

/** Parses "candidate:..." (with or without "a="); null when it is not a candidate line. */
export function parseCandidate(line) {
  if (!line) return null;
  const text = line.startsWith('a=') ? line.slice(2) : line;
  const parts = text.trim().split(/\s+/);
  if (parts.length < 8 || !parts[0].startsWith('candidate:') || parts[6] !== 'typ') return null;
  const candidate = {
    foundation: parts[0].slice('candidate:'.length), component: Number(parts[1]), protocol: parts[2].toLowerCase(),
    priority: Number(parts[3]), address: parts[4], port: Number(parts[5]), type: parts[7],
    relatedAddress: null, relatedPort: null, tcpType: null,
  };
  for (let i = 8; i + 1 < parts.length; i += 2) {
    if (parts[i] === 'raddr') candidate.relatedAddress = parts[i + 1];
    if (parts[i] === 'rport') candidate.relatedPort = Number(parts[i + 1]);
    if (parts[i] === 'tcptype') candidate.tcpType = parts[i + 1];
  }
  candidate.mdns = candidate.address.endsWith('.local');
  return candidate;
}

/** "public", "private", "loopback", "link-local", "cgnat", "benchmarking", "mdns" or "unknown" for an address. */
export function addressScope(address) {
  if (!address) return 'unknown';
  if (address.endsWith('.local')) return 'mdns';
  const v4 = address.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) return 'private'; // RFC 1918
    if (a === 169 && b === 254) return 'link-local';
    if (a === 100 && b >= 64 && b < 128) return 'cgnat'; // RFC 6598
    if (a === 198 && (b === 18 || b === 19)) return 'benchmarking'; // RFC 2544
    return 'public';
  }
  const v6 = address.toLowerCase();
  if (v6 === '::1') return 'loopback';
  if (v6.startsWith('fe80:')) return 'link-local';
  if (v6.startsWith('fc') || v6.startsWith('fd')) return 'private'; // RFC 4193
  if (v6.includes(':')) return 'public';
  return 'unknown';
}

export const TYPE_NAMES = {host: 'host', srflx: 'server-reflexive', prflx: 'peer-reflexive', relay: 'relayed'};

/** The selected candidate pair from an RTCStatsReport: {pair, local, remote} or null. */
export function selectedPair(report) {
  let pair = null;
  report.forEach(stat => {
    if (stat.type === 'transport' && stat.selectedCandidatePairId) pair = report.get(stat.selectedCandidatePairId);
  });
  if (!pair) {
    report.forEach(stat => {
      if (stat.type === 'candidate-pair' && stat.nominated && stat.state === 'succeeded') pair = stat;
    });
  }
  if (!pair) return null;
  return {pair, local: report.get(pair.localCandidateId), remote: report.get(pair.remoteCandidateId)};
}
