/** CRUD on `/services` (seed 001): the clinic's catalog of appointment types. */
import { catalogRoutes } from "../../lib/catalog-routes";
import { Service, ServiceInput, ServiceListQuery, ServiceUpdate } from "./services.schemas";
import {
  createService,
  deleteService,
  getService,
  listServices,
  updateService,
} from "./services.service";

export const servicesRoutes = catalogRoutes({
  path: "/api/v1/services",
  tag: "services",
  schemas: { item: Service, input: ServiceInput, update: ServiceUpdate, query: ServiceListQuery },
  summaries: {
    create: "Add a service (admin); 409 DUPLICATE_ENTRY when the name is taken",
    list: "List services (staff; patients see active ones)",
    get: "One service",
    update: "Update a service (admin; partial)",
    delete: "Delete a service (admin): soft when an appointment uses it, hard otherwise",
  },
  verbs: {
    create: createService,
    list: listServices,
    get: getService,
    update: updateService,
    remove: deleteService,
  },
});
