/** The call room socket: access before the upgrade, relay to the named participant only, bad messages, ring timeout, session end. */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { RingTimer } from "../../src/realtime/call-room.schemas";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { expectStatus } from "../helpers/http";
import { openStream, upgrade } from "../realtime/socket";
import {
  auditActions,
  callRow,
  initiate,
  lineStates,
  move,
  nextOf,
  openCall,
  roomStub,
} from "./helpers";

let clinic: Clinic;
let other: Clinic;
beforeAll(async () => {
  [clinic, other] = await Promise.all([createClinic("Room Clinic"), createClinic("Room Other")]);
});

const SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

describe("happy", () => {
  it("relays offer, answer and ICE only to the named participant", async () => {
    const call = await initiate(clinic.physio, [clinic.patientUser, clinic.nurse]);
    const physio = await openCall(clinic.physio, call.id);
    const ready = await nextOf(physio, "ready");
    expect(ready.data).toMatchObject({ call_id: call.id, user_id: clinic.physio.id, mode: "p2p" });
    expect(ready.data.ice_servers[0].urls.length).toBeGreaterThan(0);
    const patient = await openCall(clinic.patientUser, call.id);
    expect((await nextOf(patient, "ready")).data.peers).toEqual([clinic.physio.id]);
    expect((await nextOf(physio, "peer:joined")).data.user_id).toBe(clinic.patientUser.id);
    const nurse = await openCall(clinic.nurse, call.id);
    await nextOf(nurse, "ready");

    physio.send({ event: "offer", data: { to: clinic.patientUser.id, sdp: SDP } });
    const offer = await nextOf(patient, "offer");
    expect(offer.data).toEqual({ from: clinic.physio.id, sdp: SDP });
    patient.send({ event: "answer", data: { to: clinic.physio.id, sdp: SDP } });
    expect((await nextOf(physio, "answer")).data.from).toBe(clinic.patientUser.id);
    const candidate = {
      candidate: "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host",
      sdpMid: "0",
      sdpMLineIndex: 0,
    };
    physio.send({ event: "ice", data: { to: clinic.patientUser.id, candidate } });
    expect((await nextOf(patient, "ice")).data).toEqual({ from: clinic.physio.id, candidate });
    physio.send({ event: "ice", data: { to: clinic.patientUser.id, candidate: null } });
    expect((await nextOf(patient, "ice")).data.candidate).toBeNull();

    // The nurse saw people join, but no signal meant for someone else (pong marks the end).
    physio.send({ event: "ping", data: { id: "p" } });
    await nextOf(physio, "pong");
    nurse.send({ event: "ping" });
    const nurseEvents: string[] = [];
    for (;;) {
      const e = await nurse.next();
      if (e.event === "pong") break;
      nurseEvents.push(e.event);
    }
    expect(nurseEvents.filter((e) => ["offer", "answer", "ice"].includes(e))).toEqual([]);
    for (const s of [physio, patient, nurse]) s.close();
  });

  it("tells the sockets of each change and closes them when the call ends", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    const physio = await openCall(clinic.physio, call.id);
    await nextOf(physio, "ready");
    expectStatus(await move(clinic.nurse, call.id, "answer"), 200);
    expect((await nextOf(physio, "call:state")).data).toMatchObject({
      status: "active",
      version: 1,
    });
    expectStatus(await move(clinic.nurse, call.id, "end"), 200);
    expect((await nextOf(physio, "call:state")).data.status).toBe("ended");
    expect(await physio.closed).toBe(4000);
    // A finished call takes no new sockets.
    const res = await upgrade(`/parties/call/${call.id}?token=${clinic.physio.token}`);
    expect(res.status).toBe(409);
  });

  it("ring timeout: the alarm makes an unanswered call missed and tells caller and recipient", async () => {
    const physioStream = (await openStream(clinic.physio.token)).socket;
    const nurseStream = (await openStream(clinic.nurse.token)).socket;
    await physioStream.next();
    await nurseStream.next();
    const call = await initiate(clinic.physio, clinic.nurse);
    const stub = roomStub(call.id);
    // The alarm is armed at the ring deadline; bring the deadline to now and run it.
    const armed = await runInDurableObject(stub, async (_, state) => {
      const timer = (await state.storage.get<RingTimer>("ring"))!;
      await state.storage.put("ring", { ...timer, deadline: Date.now() - 1 });
      return { timer, alarm: await state.storage.getAlarm() };
    });
    expect(armed.timer.callId).toBe(call.id);
    expect(armed.alarm).toBe(armed.timer.deadline);
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const row = await callRow(call.id);
    expect(row!.status).toBe("missed");
    expect(await lineStates(call.id)).toMatchObject({ [clinic.nurse.id]: "missed" });
    for (const s of [physioStream, nurseStream]) {
      const e = await nextOf(s, "call:ended");
      expect(e.data).toMatchObject({ call_id: call.id, status: "missed" });
    }
    expect((await auditActions(call.id)).map((a) => a.action)).toContain("call.missed");
    // A late answer finds the call over.
    expectStatus(await move(clinic.nurse, call.id, "answer"), 409);
    physioStream.close();
    nurseStream.close();
  });

  it("an answered call is not missed when the ring alarm fires", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    expectStatus(await move(clinic.nurse, call.id, "answer"), 200);
    const stub = roomStub(call.id);
    await runInDurableObject(stub, async (_, state) => {
      const timer = (await state.storage.get<RingTimer>("ring"))!;
      await state.storage.put("ring", { ...timer, deadline: Date.now() - 1 });
    });
    await runDurableObjectAlarm(stub);
    expect((await callRow(call.id))!.status).toBe("active");
  });
});

describe("errors", () => {
  it("a bad message answers error and the socket stays open", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    const physio = await openCall(clinic.physio, call.id);
    await nextOf(physio, "ready");
    for (const bad of [
      "not json",
      { event: "teleport" },
      { event: "offer", data: { to: "x", sdp: "" } },
      { event: "offer", data: { to: clinic.doctor.id, sdp: SDP } },
      { event: "offer", data: { to: clinic.physio.id, sdp: SDP } },
    ]) {
      physio.send(bad);
      const e = await nextOf(physio, "error");
      expect(e.data.code).toBe("VALIDATION_ERROR");
      expect(e.data.details.length).toBeGreaterThan(0);
    }
    physio.send({ event: "offer", data: { to: clinic.nurse.id, sdp: SDP } });
    expect((await nextOf(physio, "error")).data.code).toBe("NOT_FOUND"); // not connected
    physio.send({ event: "sfu:session", data: { offer: { type: "offer", sdp: SDP } } });
    expect((await nextOf(physio, "error")).data.code).toBe("CONFLICT"); // no SFU configured
    physio.send({ event: "ping" });
    await nextOf(physio, "pong");
    physio.close();
  });

  it("refuses a plain HTTP request with 426", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    const res = await (
      await import("cloudflare:test")
    ).SELF.fetch(`https://api.test/parties/call/${call.id}?token=${clinic.physio.token}`);
    expect(res.status).toBe(426);
  });
});

describe("security", () => {
  it("refuses no token, a non-participant, another workspace and family before the upgrade", async () => {
    const call = await initiate(clinic.physio, clinic.patientUser);
    const path = `/parties/call/${call.id}`;
    expect((await upgrade(path)).status).toBe(401);
    expect((await upgrade(`${path}?token=${clinic.doctor.token}`)).status).toBe(404);
    expect((await upgrade(`${path}?token=${clinic.admin.token}`)).status).toBe(404);
    expect((await upgrade(`${path}?token=${other.physio.token}`)).status).toBe(404);
    expect((await upgrade(`${path}?token=${clinic.family.token}`)).status).toBe(403);
    const denied = (await auditActions(call.id)).filter((a) => a.outcome !== "success");
    expect(denied.length).toBeGreaterThanOrEqual(4);
  });

  it("a declined line cannot join", async () => {
    const call = await initiate(clinic.physio, [clinic.nurse, clinic.doctor]);
    expectStatus(await move(clinic.nurse, call.id, "decline"), 200);
    expect((await upgrade(`/parties/call/${call.id}?token=${clinic.nurse.token}`)).status).toBe(
      409,
    );
  });

  it("closes a socket whose session was revoked when the alarm re-checks", async () => {
    const call = await initiate(clinic.physio, clinic.nurse);
    const nurse = await openCall(clinic.nurse, call.id);
    await nextOf(nurse, "ready");
    await env.DB.prepare("update auth_sessions set revoked_at = ? where id = ?")
      .bind(new Date().toISOString(), clinic.nurse.sessionId)
      .run();
    await runDurableObjectAlarm(roomStub(call.id));
    expect(await nurse.closed).toBe(4001);
    expect((await callRow(call.id))!.status).toBe("ringing");
  });
});
