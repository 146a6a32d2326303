import { tokenKnown, wabasOf } from "../auth.js";
import type { MockContext } from "../context.js";

// What a system user's token looks like to GET /debug_token (meta-api.md §4; Graph's access-token debugger):
// never expiring, granted on the WABAs of the token's account, scopes from the token_scopes knob.
const MOCK_APP_ID = "100000000000001";

/** GET /{version}/debug_token?input_token=…: the token's validity, type and granted scopes. */
export function debugToken(ctx: MockContext, inputToken: string | undefined): object {
  const now = Math.floor(ctx.state.now() / 1000);
  if (inputToken === undefined || !tokenKnown(ctx.state, inputToken)) {
    return {
      data: {
        app_id: MOCK_APP_ID,
        is_valid: false,
        scopes: [],
        error: { code: 190, message: "Invalid OAuth access token - Cannot parse access token" },
      },
    };
  }
  const targets = wabasOf(ctx.state, inputToken);
  const scopes = ctx.state.knobs.token_scopes;
  return {
    data: {
      app_id: MOCK_APP_ID,
      type: "SYSTEM_USER",
      application: "Mock WhatsApp App",
      data_access_expires_at: 0,
      expires_at: 0,
      is_valid: true,
      issued_at: now - 86_400,
      scopes,
      granular_scopes: scopes.map((scope) => ({ scope, target_ids: targets })),
      user_id: "100000000000002",
    },
  };
}

/** GET /{version}/{waba_id}/subscribed_apps: the apps whose webhook receives this WABA's events. */
export function subscribedApps(ctx: MockContext): object {
  if (!ctx.state.knobs.waba_subscribed) return { data: [] };
  return {
    data: [
      {
        whatsapp_business_api_data: {
          id: MOCK_APP_ID,
          link: "https://www.facebook.com/games/?app_id=100000000000001",
          name: "Mock WhatsApp App",
        },
      },
    ],
  };
}
