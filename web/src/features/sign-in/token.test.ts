import { describe, expect, it } from "vitest";

import { adoptTokenFromLocation, readClaims, storedToken } from "./token";

function jwt(payload: object): string {
  const encode = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "HS256" })}.${encode(payload)}.signature`;
}

describe("token", () => {
  it("reads the tenant and e-mail from the claims", () => {
    const token = jwt({ account: { tenantId: "t-1", email: "a@b.example" }, exp: 42 });
    expect(readClaims(token)).toEqual({ tenantId: "t-1", email: "a@b.example", exp: 42 });
    expect(readClaims("garbage")).toBeNull();
    expect(readClaims(jwt({ sub: "x" }))).toBeNull();
  });

  it("takes a token from the URL fragment into sessionStorage and out of the address bar", () => {
    window.history.replaceState(null, "", "/app/deposits#token=abc.def.ghi");
    adoptTokenFromLocation(window.location, window.history);
    expect(storedToken()).toBe("abc.def.ghi");
    expect(window.location.hash).toBe("");
    expect(window.location.pathname).toBe("/app/deposits");
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe("");
  });
});
