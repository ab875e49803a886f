/**
 * Export as PDF, DOCX or text: the file is fetched with the bearer token (never a token in a
 * URL), kept as a blob, and offered as a download link to a local object URL.
 */
import { useEffect, useState } from "hono/jsx/dom";
import { api, ApiError } from "../../api";
import { errorText } from "../../ui";
import { Field } from "../../view";

type Format = "pdf" | "docx" | "txt";

export function ExportNote(props: { noteId: string }) {
  const [format, setFormat] = useState<Format>("pdf");
  const [file, setFile] = useState<{ url: string; name: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => () => file && URL.revokeObjectURL(file.url), [file]);

  const prepare = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const {
        data,
        error: body,
        response,
      } = await api.raw.POST("/api/v1/clinical-notes/{id}/export", {
        params: { path: { id: props.noteId }, query: { format } },
        parseAs: "blob",
      });
      if (!response.ok || !data) {
        // The error envelope came as a blob too.
        const text = body instanceof Blob ? await body.text() : null;
        throw ApiError.from(response, text ? JSON.parse(text) : body);
      }
      const name =
        /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ??
        `note-${props.noteId}.${format}`;
      const url = URL.createObjectURL(data as Blob);
      setFile({ url, name });
      // Start the download at once; the link stays for a second try.
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="export" onSubmit={prepare} aria-labelledby="export-title">
      <h3 id="export-title">Export</h3>
      <Field id="export-format" label="Format">
        <select
          id="export-format"
          value={format}
          onChange={(e) => setFormat((e.target as HTMLSelectElement).value as Format)}
        >
          <option value="pdf">PDF</option>
          <option value="docx">Word (DOCX)</option>
          <option value="txt">Plain text</option>
        </select>
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? "Preparing…" : "Export"}
      </button>
      {file ? (
        <p role="status">
          <a href={file.url} download={file.name} id="export-link">
            Download {file.name}
          </a>
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
