import { oracleSuite } from "./oracle";

oracleSuite(3, 4);
