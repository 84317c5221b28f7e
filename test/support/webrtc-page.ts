/**
 * A test page that is the browser peer of a WebRTC session (docs/debug.md "WebRTC sessions"), as the cloud console
 * would be: Chromium's own RTCPeerConnection offers `data` and `debug` channels; the test relays the offer, the answer
 * and ICE between the page and the cloud simulator. The page chunks what it sends and reassembles what it gets
 * (docs/protocol.md §4.11 "Chunking"). Served from 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>webrtc peer</title></head><body>
<script>
const state = { candidates: [], messages: { data: [], debug: [] }, frames: { data: [], debug: [] }, open: { data: false, debug: false }, closed: { data: false, debug: false } };
window.rtc = state;
let pc, channels = {};
const partial = new Map();
let transfers = 0;
function receive(label, text) {
  const f = JSON.parse(text);
  state.frames[label].push(f);
  if (f.type === 'chunk_start') partial.set(f.transfer_id, new Array(f.total_chunks).fill(''));
  else if (f.type === 'chunk_data') { const p = partial.get(f.transfer_id); if (p) p[f.sequence] = f.data; }
  else if (f.type === 'chunk_end') { const p = partial.get(f.transfer_id); partial.delete(f.transfer_id); if (p) state.messages[label].push(JSON.parse(p.join(''))); }
  else state.messages[label].push(f);
}
window.startOffer = async () => {
  pc = new RTCPeerConnection({ iceServers: [] });
  pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) state.candidates.push({ candidate: e.candidate.candidate, sdp_mid: e.candidate.sdpMid, sdp_mline_index: e.candidate.sdpMLineIndex }); };
  for (const label of ['data', 'debug']) {
    const ch = pc.createDataChannel(label);
    channels[label] = ch;
    ch.onopen = () => { state.open[label] = true; };
    ch.onclose = () => { state.closed[label] = true; };
    ch.onmessage = (e) => receive(label, e.data);
  }
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.acceptAnswer = (sdp) => pc.setRemoteDescription({ type: 'answer', sdp });
window.addRemoteCandidate = (c) => pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdp_mid, sdpMLineIndex: c.sdp_mline_index });
window.sendMessage = (label, message) => {
  const text = JSON.stringify(message);
  const ch = channels[label];
  if (label !== 'data' || text.length < 15000) { ch.send(text); return 1; }
  const id = Date.now() + '-p' + (++transfers);
  const n = Math.ceil(text.length / 14000);
  ch.send(JSON.stringify({ type: 'chunk_start', transfer_id: id, total_chunks: n, total_size: text.length }));
  for (let i = 0; i < n; i++) ch.send(JSON.stringify({ type: 'chunk_data', transfer_id: id, sequence: i, data: text.slice(i * 14000, (i + 1) * 14000) }));
  ch.send(JSON.stringify({ type: 'chunk_end', transfer_id: id }));
  return n;
};
window.connectionState = () => pc ? pc.connectionState : 'none';
</script></body></html>`;

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePeerPage(): Promise<PageServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
