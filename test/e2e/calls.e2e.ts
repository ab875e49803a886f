/**
 * Two headless Chromium pages (fake camera and microphone) complete a WebRTC video call through
 * the call room of a real `npm start`: the physio rings the patient over HTTP, the patient
 * answers, both join `/parties/call/{id}` (token in the subprotocol), exchange offer, answer and
 * ICE candidates through the room, and each decodes the other's video. The call log then shows
 * the answered call with its duration for both.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: `ws` (a devDependency) ships no type declarations.
import NodeSocket from "ws";
import {
  apiCall,
  apiLogin,
  fixtureY4m,
  launchChromium,
  loginOf,
  startServer,
  type Server,
} from "./harness";

const PORT = Number(process.env.E2E_CALLS_PORT ?? 8870);

type PeerArgs = { token: string; callId: string; peerId: string; offerer: boolean };
type PeerResult = { state: string; framesDecoded: number; signals: string[] };

/**
 * Runs inside the page: joins the call room, negotiates with the peer through it, and resolves
 * once the connection is up and the peer's video decodes (or rejects after 80 s).
 */
async function joinCall(args: PeerArgs): Promise<PeerResult> {
  const signals: string[] = [];
  const url = `${location.origin.replace(/^http/, "ws")}/parties/call/${args.callId}`;
  // Media first: the socket's handlers must be attached before its first message can arrive.
  const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  const ws = new WebSocket(url, ["rehab.v1", `bearer.${args.token}`]);
  const send = (event: string, data: unknown) => ws.send(JSON.stringify({ event, data }));
  let pc: RTCPeerConnection | null = null;
  const queued: RTCIceCandidateInit[] = [];

  const setup = (iceServers: RTCIceServer[]) => {
    pc = new RTCPeerConnection({ iceServers });
    media.getTracks().forEach((t) => pc!.addTrack(t, media));
    pc.onicecandidate = (e) =>
      send("ice", { to: args.peerId, candidate: e.candidate?.toJSON() ?? null });
    return pc;
  };
  const offer = async () => {
    const description = await pc!.createOffer();
    await pc!.setLocalDescription(description);
    send("offer", { to: args.peerId, sdp: description.sdp });
  };

  return new Promise<PeerResult>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`timeout; signals: ${signals.join(",")}; state ${pc?.connectionState}`)),
      80_000,
    );
    ws.onerror = async () => {
      // Say why: the same request without the upgrade answers the refusal (or 426 if allowed).
      const probe = await fetch(url.replace(/^ws/, "http"), {
        headers: { authorization: `Bearer ${args.token}` },
      });
      reject(new Error(`socket error: ${probe.status} ${await probe.text()}`));
    };
    ws.onclose = (e) => signals.push(`closed:${e.code}`);
    const handle = async (m: MessageEvent) => {
      const { event, data } = JSON.parse(m.data as string);
      signals.push(event === "error" ? `error:${data.code}:${data.message}` : event);
      if (event === "ready") {
        const conn = setup(data.ice_servers);
        conn.onconnectionstatechange = () => undefined;
        const poll = setInterval(async () => {
          if (conn.connectionState !== "connected") return;
          const stats = await conn.getStats();
          let frames = 0;
          stats.forEach((s: any) => {
            if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded ?? 0;
          });
          if (frames > 5) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve({ state: conn.connectionState, framesDecoded: frames, signals });
          }
        }, 200);
        if (args.offerer && data.peers.includes(args.peerId)) await offer();
      } else if (event === "peer:joined" && args.offerer && data.user_id === args.peerId) {
        await offer();
      } else if (event === "offer") {
        await pc!.setRemoteDescription({ type: "offer", sdp: data.sdp });
        for (const c of queued.splice(0)) await pc!.addIceCandidate(c);
        const answer = await pc!.createAnswer();
        await pc!.setLocalDescription(answer);
        send("answer", { to: data.from, sdp: answer.sdp });
      } else if (event === "answer") {
        await pc!.setRemoteDescription({ type: "answer", sdp: data.sdp });
        for (const c of queued.splice(0)) await pc!.addIceCandidate(c);
      } else if (event === "ice" && data.candidate) {
        if (pc?.remoteDescription) await pc.addIceCandidate(data.candidate);
        else queued.push(data.candidate);
      }
    };
    ws.onmessage = (m) => void handle(m).catch((e) => signals.push(`exception:${String(e)}`));
  });
}

describe("calls e2e: two Chromium pages through the signalling room", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ port: PORT, inspectorPort: PORT + 1 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("happy: complete a WebRTC video call, then both call logs show it answered", async () => {
    const physio = await apiLogin(server, loginOf(server, "physiotherapist").email);
    const patient = await apiLogin(server, loginOf(server, "patient").email);
    const physioId = (physio.user as { id: string }).id;
    const patientId = (patient.user as { id: string }).id;

    const rung = await apiCall<{ id: string }>(server, "POST", "/api/v1/calls/initiate", {
      token: physio.access_token,
      body: { recipient_id: patientId, call_type: "video" },
      headers: { "idempotency-key": `e2e-${Date.now()}` },
    });
    expect(rung.status).toBe(201);
    const callId = rung.body.data.id;
    const answered = await apiCall(server, "POST", `/api/v1/calls/${callId}/answer`, {
      token: patient.access_token,
    });
    expect(answered.status).toBe(200);

    const y4m = fixtureY4m();
    const { browser, close } = await launchChromium({ fakeVideo: y4m.file });
    try {
      const pages = await Promise.all(
        [browser.newContext(), browser.newContext()].map(async (c) => (await c).newPage()),
      );
      await Promise.all(pages.map((p) => p.goto(`${server.base}/console`)));
      const settled = await Promise.allSettled([
        pages[0]!.evaluate(joinCall, {
          token: physio.access_token,
          callId,
          peerId: patientId,
          offerer: true,
        }),
        pages[1]!.evaluate(joinCall, {
          token: patient.access_token,
          callId,
          peerId: physioId,
          offerer: false,
        }),
      ]);
      const failed = settled.flatMap((r, i) =>
        r.status === "rejected" ? [`page ${i}: ${String(r.reason).slice(0, 400)}`] : [],
      );
      expect(failed).toEqual([]);
      const [a, b] = settled.map((r) => (r as PromiseFulfilledResult<PeerResult>).value) as [
        PeerResult,
        PeerResult,
      ];
      expect(a.state).toBe("connected");
      expect(b.state).toBe("connected");
      expect(a.framesDecoded).toBeGreaterThan(5);
      expect(b.framesDecoded).toBeGreaterThan(5);
      expect(a.signals).toContain("answer");
      expect(b.signals).toContain("offer");
    } finally {
      await close();
      y4m.cleanup();
    }

    const ended = await apiCall<any>(server, "POST", `/api/v1/calls/${callId}/end`, {
      token: physio.access_token,
    });
    expect(ended.status).toBe(200);
    expect(ended.body.data.status).toBe("ended");
    for (const [token, direction] of [
      [physio.access_token, "outgoing"],
      [patient.access_token, "incoming"],
    ] as const) {
      const logs = await apiCall<any[]>(server, "GET", "/api/v1/call-logs?type=video", { token });
      expect(logs.status).toBe(200);
      const entry = logs.body.data.find((l) => l.id === callId);
      expect(entry).toMatchObject({ direction, status: "answered", call_status: "ended" });
      expect(entry.duration_seconds).toBeGreaterThanOrEqual(0);
    }
  });

  /** Opens the room from Node; resolves with the first event, or the HTTP refusal's status. */
  const openRoom = (callId: string, token: string) =>
    new Promise<{ ws?: any; first?: any; status?: number }>((resolve, reject) => {
      const ws = new NodeSocket(`${server.base.replace("http", "ws")}/parties/call/${callId}`, [
        "rehab.v1",
        `bearer.${token}`,
      ]);
      ws.once("message", (m: unknown) => resolve({ ws, first: JSON.parse(String(m)) }));
      ws.once("unexpected-response", (_req: unknown, res: { statusCode: number }) =>
        resolve({ status: res.statusCode }),
      );
      ws.once("error", reject);
    });

  it("errors and security: a bad message keeps the socket; someone off the call is refused", async () => {
    const physio = await apiLogin(server, loginOf(server, "physiotherapist").email);
    const patient = await apiLogin(server, loginOf(server, "patient").email);
    const doctor = await apiLogin(server, loginOf(server, "doctor").email);
    const rung = await apiCall<{ id: string }>(server, "POST", "/api/v1/calls/initiate", {
      token: physio.access_token,
      body: { recipient_id: (patient.user as { id: string }).id, call_type: "voice" },
    });
    expect(rung.status).toBe(201);
    const callId = rung.body.data.id;
    const mine = await openRoom(callId, physio.access_token);
    expect(mine.first.event).toBe("ready");
    const replies: any[] = [];
    mine.ws!.on("message", (m: unknown) => replies.push(JSON.parse(String(m))));
    mine.ws!.send("{not json");
    mine.ws!.send(JSON.stringify({ event: "ping", data: { id: "still-open" } }));
    await new Promise((r) => setTimeout(r, 1000));
    expect(replies.map((r) => r.event)).toEqual(["error", "pong"]);
    expect(replies[1].data.id).toBe("still-open");
    mine.ws!.close();
    expect((await openRoom(callId, doctor.access_token)).status).toBe(404);
    expect((await openRoom(callId, "not-a-token")).status).toBe(401);
  });
});
