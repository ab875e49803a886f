import { ALL_CASES } from "./cases";
import { runSecuritySuite } from "./suite";

for (const [name, cases] of Object.entries(ALL_CASES)) runSecuritySuite(name, cases);
