// Names for the API's types, all derived from the generated schema (docs/openapi.yaml via
// openapi-typescript): nothing here is written by hand. Path-based where the contract fixes
// the route, so a renamed schema in the spec does not break the app.

import type { components, paths } from "./schema.gen";

type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

export type Designation = Schemas["Designation"];
export type AmountType = Schemas["AmountType"];
export type DepositStatus = Schemas["Status"];
export type DirectDeposit = Schemas["DirectDeposit"];
export type NewDirectDeposit = Schemas["NewDirectDeposit"];
export type DirectDepositPatch = Schemas["DirectDepositPatch"];
export type ApiErrorBody = Schemas["Error"];

const EMPLOYEE = "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}";
type EmployeePath = typeof EMPLOYEE;

export type Me = Json<paths["/tenants/{tenantId}/me"]["get"]["responses"][200]>;
export type PaycheckPreview = Json<
  paths[`${EmployeePath}/paycheck-preview`]["post"]["responses"][200]
>;
export type PaycheckPreviewRequest = NonNullable<
  paths[`${EmployeePath}/paycheck-preview`]["post"]["requestBody"]
>["content"]["application/json"];
export type PendingList = Json<
  paths["/tenants/{tenantId}/companies/{companyId}/pending-direct-deposits"]["get"]["responses"][200]
>;
export type PendingDeposit = PendingList["results"][number];
