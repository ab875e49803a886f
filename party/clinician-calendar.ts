/**
 * One Durable Object per clinician calendar (named `<workspace_id>:<clinician_id>`). It serialises
 * that clinician's bookings: each `book` call waits for the previous one to finish its check and
 * its write in D1 before it starts, so two requests racing for the same slot cannot both pass the
 * check. (Awaiting D1 does not close a Durable Object's input gate, so the queue below is what
 * keeps the calls apart.)
 *
 * Invariants: the object holds no state of its own; D1 is the record. The write it makes is also
 * conditional in SQL (see src/modules/appointments/appointments.booking.ts), so a booking for the
 * same patient through another clinician's calendar cannot slip past; this object is the fast,
 * orderly path, not the only guard. A failed booking never blocks the ones queued behind it.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../src/env";
import {
  commitBooking,
  type BookingOutcome,
  type BookingPlan,
} from "../src/modules/appointments/appointments.booking";

export class ClinicianCalendar extends DurableObject<Bindings> {
  private tail: Promise<unknown> = Promise.resolve();

  /** Checks the slot and writes the appointment with its audit entry, after every earlier call. */
  async book(plan: BookingPlan): Promise<BookingOutcome> {
    const turn = this.tail.then(() => commitBooking(this.env.DB, plan));
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}
