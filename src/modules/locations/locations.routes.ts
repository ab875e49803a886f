/** CRUD on `/locations` (seed 001): where appointments happen (clinic, home, online). */
import { catalogRoutes } from "../../lib/catalog-routes";
import { Location, LocationInput, LocationListQuery, LocationUpdate } from "./locations.schemas";
import {
  createLocation,
  deleteLocation,
  getLocation,
  listLocations,
  updateLocation,
} from "./locations.service";

export const locationsRoutes = catalogRoutes({
  path: "/api/v1/locations",
  tag: "locations",
  schemas: {
    item: Location,
    input: LocationInput,
    update: LocationUpdate,
    query: LocationListQuery,
  },
  summaries: {
    create:
      "Add a location (admin); 409 on a taken name, 422 when a clinic or home lacks an address",
    list: "List locations (staff), filtered by is_active and location_type",
    get: "One location",
    update: "Update a location (admin; partial)",
    delete: "Delete a location (admin): soft when an appointment uses it, hard otherwise",
  },
  verbs: {
    create: createLocation,
    list: listLocations,
    get: getLocation,
    update: updateLocation,
    remove: deleteLocation,
  },
});
