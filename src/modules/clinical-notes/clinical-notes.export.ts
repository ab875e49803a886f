/**
 * Exports a note as PDF (pdf-lib), DOCX (docx) or plain text: the template's sections in order,
 * then addenda, with the signature line. Files are built in memory and streamed back; nothing is
 * stored, and the filename carries only the note id (never patient data).
 */
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } from "docx";
import { PDFDocument, StandardFonts, type PDFFont } from "pdf-lib";
import { auditEntry } from "../../lib/audit";
import type { RequestContext } from "../../middleware/request-context";
import { reachNote } from "./clinical-notes.access";
import { templateOf } from "./clinical-notes.data";
import { loadNote } from "./clinical-notes.service";

type Presented = Awaited<ReturnType<typeof loadNote>>;
type Block = { heading?: string; lines: string[] };

/** The note as headed blocks, shared by the three formats. */
export function noteBlocks(note: Presented): { title: string; blocks: Block[] } {
  const template = templateOf(note.template_type);
  const meta = [
    `Note: ${note.id}`,
    `Patient: ${note.patient_id}`,
    `Template: ${template.name}`,
    note.consultation_type ? `Consultation: ${note.consultation_type}` : null,
    note.visit_reason ? `Visit reason: ${note.visit_reason}` : null,
    `Status: ${note.is_signed ? "signed" : note.is_draft ? "draft" : "final"} (version ${note.version})`,
    `Created: ${note.created_at}`,
  ].filter((l): l is string => l !== null);
  const blocks: Block[] = [{ lines: meta }];
  for (const section of template.sections) {
    blocks.push({
      heading: section.full_name,
      lines: (note.sections[section.id] ?? "").split("\n"),
    });
  }
  for (const addendum of note.addenda) {
    blocks.push({
      heading: `Addendum to ${addendum.section} (${addendum.created_at}, ${addendum.author_id})`,
      lines: addendum.text.split("\n"),
    });
  }
  if (note.signed_at) {
    blocks.push({ lines: [`Electronically signed by ${note.signed_by} at ${note.signed_at}`] });
  }
  return { title: `Clinical note (${template.name})`, blocks };
}

export function toText(note: Presented): string {
  const { title, blocks } = noteBlocks(note);
  const parts = [title, "=".repeat(title.length)];
  for (const b of blocks) {
    parts.push("");
    if (b.heading) parts.push(b.heading, "-".repeat(b.heading.length));
    parts.push(...b.lines);
  }
  return `${parts.join("\n")}\n`;
}

/** Standard PDF fonts encode WinAnsi only: other characters become "?" instead of failing. */
const winAnsi = (s: string) => s.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, "?");

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of winAnsi(text).split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
    else {
      out.push(line);
      line = word;
    }
  }
  out.push(line);
  return out;
}

export async function toPdf(note: Presented): Promise<Uint8Array> {
  const { title, blocks } = noteBlocks(note);
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  pdf.setProducer("rehab-edge");
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const [width, height, margin] = [595, 842, 50];
  let page = pdf.addPage([width, height]);
  let y = height - margin;
  const write = (text: string, font: PDFFont, size: number) => {
    for (const line of wrap(text, font, size, width - 2 * margin)) {
      if (y < margin + size) {
        page = pdf.addPage([width, height]);
        y = height - margin;
      }
      page.drawText(line, { x: margin, y, size, font });
      y -= size * 1.4;
    }
  };
  write(title, bold, 16);
  for (const b of blocks) {
    y -= 6;
    if (b.heading) write(b.heading, bold, 12);
    for (const line of b.lines) write(line, regular, 10);
  }
  return pdf.save();
}

export async function toDocx(note: Presented): Promise<ArrayBuffer> {
  const { title, blocks } = noteBlocks(note);
  const children: Paragraph[] = [new Paragraph({ text: title, heading: HeadingLevel.TITLE })];
  for (const b of blocks) {
    if (b.heading)
      children.push(new Paragraph({ text: b.heading, heading: HeadingLevel.HEADING_2 }));
    for (const line of b.lines) {
      children.push(
        new Paragraph({ children: [new TextRun(line)], alignment: AlignmentType.LEFT }),
      );
    }
  }
  const doc = new Document({ title, creator: "rehab-edge", sections: [{ children }] });
  return Packer.toArrayBuffer(doc);
}

const TYPES = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  txt: "text/plain; charset=utf-8",
} as const;

/** Builds the export file of a note the caller may read (audited as `clinical_note.exported`). */
export async function exportNote(ctx: RequestContext, id: string, format: keyof typeof TYPES) {
  const { note } = await reachNote(ctx, id, "read", "clinical_note.exported");
  const presented = await loadNote(ctx, note, false);
  const body: Uint8Array<ArrayBuffer> =
    format === "pdf"
      ? new Uint8Array(await toPdf(presented))
      : format === "docx"
        ? new Uint8Array(await toDocx(presented))
        : new Uint8Array(new TextEncoder().encode(toText(presented)));
  const audit = await auditEntry(ctx, {
    action: "clinical_note.exported",
    resourceType: "clinical_note",
    resourceId: note.id,
    metadata: { patient_id: note.patientId, format, bytes: body.byteLength },
  });
  await ctx.db.write([audit.query]);
  return { body, contentType: TYPES[format], filename: `clinical-note-${note.id}.${format}` };
}
