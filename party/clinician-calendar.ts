/**
 * One Durable Object per clinician calendar (placeholder until scheduling lands): it will serialise
 * bookings for that clinician so two requests racing for the same slot cannot both succeed.
 */
import { DurableObject } from "cloudflare:workers";

export class ClinicianCalendar extends DurableObject {}
