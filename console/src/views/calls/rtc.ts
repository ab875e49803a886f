/**
 * A WebRTC call through the call room (`/parties/call/{id}`, docs/realtime.md "Calls"): the room
 * relays `offer`/`answer`/`ice` to the named participant and says who is there (`ready { peers,
 * ice_servers }`, `peer:joined`, `peer:left`). One RTCPeerConnection per other participant
 * (a small mesh; a call rings at most 7).
 *
 * Who offers: of each pair, the participant with the smaller user id. Only one side ever offers,
 * so two offers can never cross; when a peer (re)joins, the offering side starts a fresh
 * connection, and the other side replaces its connection when a new offer arrives. The socket is
 * the typed client's `roomSocket` (token in the subprotocol, renewed before a reconnect); media
 * keep flowing peer to peer while the signalling socket reconnects.
 */
import { roomSocket } from "../../../../client/src/index";
import { api } from "../../api";

export type PeerState = RTCPeerConnectionState | "waiting";

export type CallLinkEvents = {
  /** A peer's media arrived (or went away: null). */
  remote(peerId: string, stream: MediaStream | null): void;
  peerState(peerId: string, state: PeerState): void;
  /** The room's own events (`call:state`, `error`, …). */
  room(event: string, data: Record<string, unknown>): void;
  /** The room closed for good (4000: the call is over; 4001: the session ended; …). */
  closed(code: number, reason: string): void;
};

type Peer = { pc: RTCPeerConnection; queued: RTCIceCandidateInit[]; stream: MediaStream | null };

/** Close codes after which the room will not take this socket back. */
const FINAL = new Set([1008, 4000, 4001, 4003, 4004, 4009]);

export class CallLink {
  private readonly ws: ReturnType<typeof roomSocket>;
  private readonly peers = new Map<string, Peer>();
  private iceServers: RTCIceServer[] = [];
  private ended = false;

  constructor(
    callId: string,
    private readonly me: string,
    private readonly local: MediaStream | null,
    private readonly on: CallLinkEvents,
  ) {
    this.ws = roomSocket(api, location.href, `/parties/call/${callId}`, {
      socket: { maxRetries: 8, shouldReconnectOnClose: (e) => !FINAL.has(e.code) },
    });
    this.ws.addEventListener("message", (m) => {
      let frame: { event: string; data: Record<string, unknown> };
      try {
        frame = JSON.parse(String(m.data));
      } catch {
        return;
      }
      void this.handle(frame.event, frame.data ?? {}).catch((error) =>
        this.on.room("error", { message: String(error) }),
      );
    });
    this.ws.addEventListener("close", (e) => {
      if (this.ended) return;
      if (FINAL.has(e.code) || this.ws.retryCount >= 8) {
        this.close();
        this.on.closed(e.code, e.reason);
      }
    });
  }

  private send(event: string, data: unknown) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event, data }));
  }

  private offers(peerId: string) {
    return this.me < peerId;
  }

  private async handle(event: string, data: Record<string, unknown>) {
    if (event === "ready") {
      this.iceServers = (data.ice_servers as RTCIceServer[]) ?? [];
      for (const id of (data.peers as string[]) ?? []) {
        if (id === this.me) continue;
        // After a signalling reconnect a working connection stays as it is.
        const known = this.peers.get(id);
        if (known && known.pc.connectionState === "connected") continue;
        await this.meet(id);
      }
    } else if (event === "peer:joined") {
      const id = String(data.user_id);
      if (id !== this.me) await this.meet(id);
    } else if (event === "peer:left") {
      const id = String(data.user_id);
      if (id === this.me) return;
      this.drop(id);
      this.on.peerState(id, "waiting");
    } else if (event === "offer") {
      const from = String(data.from);
      // A new offer is a new connection from that peer (it rejoined): replace ours.
      this.drop(from);
      const peer = this.connect(from);
      await peer.pc.setRemoteDescription({ type: "offer", sdp: String(data.sdp) });
      await this.flush(peer);
      const answer = await peer.pc.createAnswer();
      await peer.pc.setLocalDescription(answer);
      this.send("answer", { to: from, sdp: answer.sdp });
    } else if (event === "answer") {
      const peer = this.peers.get(String(data.from));
      if (!peer || peer.pc.signalingState !== "have-local-offer") return;
      await peer.pc.setRemoteDescription({ type: "answer", sdp: String(data.sdp) });
      await this.flush(peer);
    } else if (event === "ice") {
      const peer = this.peers.get(String(data.from));
      const candidate = data.candidate as RTCIceCandidateInit | null;
      if (!peer || !candidate) return;
      if (peer.pc.remoteDescription) await peer.pc.addIceCandidate(candidate);
      else peer.queued.push(candidate);
    } else this.on.room(event, data);
  }

  /** A peer is in the room: the offering side starts a connection, the other waits for it. */
  private async meet(peerId: string) {
    this.on.peerState(peerId, "waiting");
    if (!this.offers(peerId)) return;
    this.drop(peerId);
    const peer = this.connect(peerId);
    const offer = await peer.pc.createOffer();
    await peer.pc.setLocalDescription(offer);
    this.send("offer", { to: peerId, sdp: offer.sdp });
  }

  private connect(peerId: string): Peer {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const peer: Peer = { pc, queued: [], stream: null };
    if (this.local) for (const track of this.local.getTracks()) pc.addTrack(track, this.local);
    else {
      // No camera or microphone here: still receive the other side's.
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    pc.onicecandidate = (e) =>
      this.send("ice", { to: peerId, candidate: e.candidate ? e.candidate.toJSON() : null });
    pc.ontrack = (e) => {
      peer.stream = e.streams[0] ?? peer.stream ?? new MediaStream();
      if (!e.streams[0]) peer.stream.addTrack(e.track);
      this.on.remote(peerId, peer.stream);
    };
    pc.onconnectionstatechange = () => this.on.peerState(peerId, pc.connectionState);
    this.peers.set(peerId, peer);
    return peer;
  }

  private async flush(peer: Peer) {
    for (const c of peer.queued.splice(0)) await peer.pc.addIceCandidate(c);
  }

  private drop(peerId: string) {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    peer.pc.close();
    this.peers.delete(peerId);
    this.on.remote(peerId, null);
  }

  /** The connections of this page (for the page's own status and the e2e test's checks). */
  connections(): RTCPeerConnection[] {
    return [...this.peers.values()].map((p) => p.pc);
  }

  close() {
    if (this.ended) return;
    this.ended = true;
    for (const id of [...this.peers.keys()]) this.drop(id);
    this.ws.close(1000, "left");
  }
}
