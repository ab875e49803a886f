import { oracleSuite } from "./oracle";

oracleSuite(2, 4);
