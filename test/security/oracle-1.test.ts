import { oracleSuite } from "./oracle";

oracleSuite(0, 4);
