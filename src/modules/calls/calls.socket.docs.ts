/** The call room's socket protocol, as /openapi.json and the README document it. */
export const socketDescription = `Upgrade to the signalling room of one call. Authenticate like
\`/ws\` (subprotocols \`rehab.v1, bearer.<access token>\`, \`?token=\` or \`Authorization: Bearer\`).
Only the call's participants join (anyone else: 404), while the call rings or is active and their
own line has not declined or missed it (409).

Every frame is JSON \`{ "event", "data" }\`. Client to server:
- \`offer\` / \`answer\`: \`{ to: <user id>, sdp }\`; \`ice\`: \`{ to, candidate: RTCIceCandidateInit | null }\`.
  Relayed only to the sockets of participant \`to\`, as \`{ from, sdp }\` / \`{ from, candidate }\`.
- \`sfu:session\` \`{ offer: { type, sdp } }\`, \`sfu:tracks\` \`{ session_id, tracks: [{ location:
  "local", mid, trackName } | { location: "remote", sessionId, trackName }], offer? }\`,
  \`sfu:renegotiate\` \`{ session_id, answer }\`: only when Cloudflare Realtime is configured (mode \`sfu\`).
- \`ping\` \`{ id? }\`.

Server to client: \`ready\` (\`{ call_id, user_id, status, mode, peers, ice_servers }\`),
\`peer:joined\` / \`peer:left\` (\`{ user_id }\`), relayed \`offer\`, \`answer\`, \`ice\`,
\`call:state\` (\`{ status, version, lines }\` after every change), \`call:recording\`
(\`{ recording, by }\`), \`sfu:session\`, \`sfu:tracks\`, \`sfu:published\` (another participant's
tracks to pull), \`pong\`, and \`error\` (\`{ code, message, details? }\`; the socket stays open).
The room closes with 4000 when the call is over, 4001 when the session ends.`;
