/**
 * The options every `env.AI.run` call passes. Without `AI_GATEWAY_ID` a call goes straight to
 * Workers AI. With it, the call goes through AI Gateway with logging and caching switched off
 * for that request: prompts and answers carry patient data, so the gateway must keep neither a
 * log entry (prompt, answer, metadata) nor a cached answer, whatever the gateway's own defaults.
 * No `metadata` is sent either. docs/notes-and-ai.md says what leaves the Worker.
 */
export function aiRunOptions(gatewayId: string | undefined): AiOptions | undefined {
  if (!gatewayId) return undefined;
  return { gateway: { id: gatewayId, collectLog: false, skipCache: true } };
}
