import { SELF } from "cloudflare:test";
import { strFromU8, unzipSync, unzlibSync } from "fflate";
import { PDFDocument, PDFName, PDFRawStream, type PDFArray } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { draftNote, N, soap } from "./helpers";

async function download(path: string, token: string) {
  const res = await SELF.fetch(`https://api.test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** The text pdf-lib drew: inflate each page's content stream and decode its hex strings. */
async function pdfText(bytes: Uint8Array) {
  const pdf = await PDFDocument.load(bytes);
  const chunks: string[] = [];
  for (const page of pdf.getPages()) {
    const contents = page.node.get(PDFName.of("Contents"));
    const refs =
      contents instanceof Object && "asArray" in contents
        ? (contents as PDFArray).asArray()
        : [contents];
    for (const ref of refs) {
      const stream = pdf.context.lookup(ref) as PDFRawStream;
      const raw = stream.getContents();
      const data = stream.dict.get(PDFName.of("Filter")) ? unzlibSync(raw) : raw;
      for (const m of strFromU8(data, true).matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g)) {
        chunks.push(
          m[1]!
            .match(/../g)!
            .map((h) => String.fromCharCode(parseInt(h, 16)))
            .join(""),
        );
      }
    }
  }
  return { pages: pdf.getPageCount(), text: chunks.join("\n") };
}

describe("clinical note export: happy", () => {
  it("exports a signed note as PDF, DOCX and TXT that parse back with its text", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic, { sections: soap, is_draft: false });
    const token = clinic.physio.token;

    const pdf = await download(`${N}/${note.id}/export?format=pdf`, token);
    expect(pdf.res.status).toBe(200);
    expect(pdf.res.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.res.headers.get("content-disposition")).toBe(
      `attachment; filename="clinical-note-${note.id}.pdf"`,
    );
    const parsed = await pdfText(pdf.bytes);
    expect(parsed.pages).toBeGreaterThanOrEqual(1);
    for (const heading of ["Subjective", "Objective", "Assessment", "Plan"]) {
      expect(parsed.text).toContain(heading);
    }
    expect(parsed.text).toContain("BP 132/84; HR 76.");

    const docx = await download(`${N}/${note.id}/export?format=docx`, token);
    expect(docx.res.status).toBe(200);
    const files = unzipSync(docx.bytes);
    expect(Object.keys(files)).toContain("[Content_Types].xml");
    const xml = strFromU8(files["word/document.xml"]!);
    expect(xml).toContain("Continue quad sets 3x10 daily; review in 2 weeks.");
    expect(xml).toContain("Subjective");

    const txt = await download(`${N}/${note.id}/export?format=txt`, token);
    const text = new TextDecoder().decode(txt.bytes);
    expect(text).toContain("Subjective\n----------\nReports right knee pain 6/10");
  });
});

describe("clinical note export: errors", () => {
  it("names a bad format", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const res = await api("POST", `${N}/${note.id}/export?format=rtf`, {
      token: clinic.physio.token,
    });
    expectStatus(res, 422);
    expect(res.body.error.details[0].field).toBe("query.format");
  });
});

describe("clinical note export: security", () => {
  it("is refused to staff outside the care team and audited", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const res = await api("POST", `${N}/${note.id}/export?format=txt`, {
      token: clinic.nurse.token,
    });
    // Outside the relation: the 404 of an unknown note (issue 12, no existence oracle).
    expectStatus(res, 404);
    const ok = await api("POST", `${N}/${note.id}/export?format=txt`, {
      token: clinic.admin.token,
    });
    expectStatus(ok, 200);
  });
});
