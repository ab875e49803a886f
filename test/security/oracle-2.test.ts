import { oracleSuite } from "./oracle";

oracleSuite(1, 4);
