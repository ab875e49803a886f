/**
 * Signing a final note: the password again, and the authenticator code when the signer has MFA
 * on (the API says so with a 422 naming `mfa_code`; a wrong password or code is a 403). Only the
 * note's author signs; for anyone else the API's refusal is shown.
 */
import { useState } from "hono/jsx/dom";
import { api, ApiError } from "../../api";
import { errorText } from "../../ui";
import { Field, fieldErrors } from "../../view";

export function SignForm(props: { noteId: string; mine: boolean; onSigned: () => void }) {
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const sign = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      await api.POST("/api/v1/clinical-notes/{id}/sign", {
        params: { path: { id: props.noteId } },
        body: { password, ...(code.trim() && { mfa_code: code.trim() }) },
      });
      setPassword("");
      setCode("");
      props.onSigned();
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(fields);
      if (err instanceof ApiError && err.status === 429) {
        const d = err.details as { retry_after_seconds?: number } | null;
        setError(`Too many signing attempts; try again in ${d?.retry_after_seconds ?? 60} s.`);
      } else if (fields.mfa_code) {
        setError(
          "Your account has two-factor sign-in on: enter the code from your authenticator app.",
        );
        document.getElementById("sign-code")?.focus();
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sign card" onSubmit={sign} aria-labelledby="sign-title">
      <h3 id="sign-title">Sign the note</h3>
      <p class="muted">
        {props.mine
          ? "Signing locks the note: later changes are kept as addenda."
          : "Only the note's author can sign it."}
      </p>
      <Field id="sign-password" label="Your password" error={errors.password}>
        <input
          id="sign-password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </Field>
      <Field
        id="sign-code"
        label="Authenticator code (if two-factor sign-in is on)"
        error={errors.mfa_code}
      >
        <input
          id="sign-code"
          inputMode="numeric"
          autocomplete="one-time-code"
          value={code}
          onInput={(e) => setCode((e.target as HTMLInputElement).value)}
        />
      </Field>
      <button type="submit" disabled={busy || !password}>
        Sign
      </button>
      {error ? (
        <p class="error" role="alert" id="sign-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
