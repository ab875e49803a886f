// One shard of the shared security suite: many requests in one file slow SELF.fetch down.
import { ALL_CASES } from "./cases";
import { runSecuritySuite } from "./suite";

Object.entries(ALL_CASES)
  .filter((_, i) => i % 4 === 3)
  .forEach(([name, cases]) => runSecuritySuite(name, cases));
