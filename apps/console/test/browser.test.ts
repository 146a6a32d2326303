// The console in a real headless Chromium (Debian's package, driven by playwright-core): log in, find a customer
// who just wrote in (a signed webhook through the real processor), change consent and see the audit entry, pause a
// running campaign and see it stop live, replay a dead letter. Screenshots of the main pages go to docs/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { signBody, verifySignature } from "@wa/meta";
import { createWebhookProcessor } from "@wa/webhooks";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOperator, PASSWORD, PHONE_NUMBER_ID, runningCampaign, useConsole, WABA_ID } from "./support.js";

const env = useConsole();
const SHOTS = new URL("../../../docs/screenshots/", import.meta.url).pathname;
const APP_SECRET = "browser-test-secret";
const CUSTOMER = "6281234500001";

let server: ReturnType<typeof serve>;
let base = "";
let userDir = "";
let context: BrowserContext;
let page: Page;
let operatorName = "";

function envelope(value: Record<string, unknown>): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: PHONE_NUMBER_ID },
              ...value,
            },
          },
        ],
      },
    ],
  });
}

/** What the receiver does with Meta's POST (signature checked on the raw bytes), then the processor applies it. */
async function deliverSigned(body: string, final = false) {
  const signature = signBody(body, APP_SECRET);
  expect(verifySignature(Buffer.from(body), signature, APP_SECRET)).toBe(true);
  return final
    ? env.deps.processBody(body).then(async (r) => (r.pending > 0 ? parkFinal(body) : r))
    : env.deps.processBody(body);
}

// The processor parks an event on its last attempt; the console's deps expose only the normal pass.
async function parkFinal(body: string) {
  return createWebhookProcessor({ db: env.db, log: pino({ level: "silent" }) }).processBody(body, { final: true });
}

async function shot(name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: env.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  operatorName = (await newOperator(env.db, "operator", "maya")).name;
  userDir = mkdtempSync(join(tmpdir(), "wa-console-chromium-"));
  context = await chromium.launchPersistentContext(userDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (userDir) rmSync(userDir, { recursive: true, force: true });
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe("console in a browser", () => {
  it("logs in (the login page first) and shows the overview", async () => {
    await page.goto(`${base}/customers`);
    expect(page.url()).toContain("/login?next=%2Fcustomers");
    await shot("login");
    await page.fill('input[name="name"]', operatorName);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/customers`), page.click('button[type="submit"]')]);
    await page.goto(`${base}/`);
    await expect.poll(() => page.textContent("h1")).toBe("Overview");
  });

  it("finds a customer who just wrote in: the message and the open window", async () => {
    const wamid = "wamid.browser-inbound-1";
    const r = await deliverSigned(
      envelope({
        contacts: [{ profile: { name: "Siti Browser" }, wa_id: CUSTOMER }],
        messages: [
          {
            from: CUSTOMER,
            id: wamid,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: "text",
            text: { body: "Halo, is my order on its way?" },
          },
        ],
      }),
    );
    expect(r.outcomes.applied).toBe(1);
    await page.goto(`${base}/customers`);
    await page.fill('input[name="q"]', "Siti");
    await Promise.all([page.waitForURL(/q=Siti/), page.click("form.filters button")]);
    await shot("customers");
    await Promise.all([
      page.waitForURL(`${base}/customers/${CUSTOMER}`),
      page.click(`a[href="/customers/${CUSTOMER}"]`),
    ]);
    expect(await page.textContent("#timeline")).toContain("Halo, is my order on its way?");
    expect(await page.textContent("#window")).toContain("open");
  });

  it("changes consent with a reason and shows the audit entry", async () => {
    await page.selectOption('select[name="marketing"]', "granted");
    await page.fill('form[action$="/consent"] input[name="reason"]', "signed up at the shop, form 2231");
    await Promise.all([page.waitForURL(/notice=/), page.click('form[action$="/consent"] button')]);
    expect(await page.textContent("#marketing-consent")).toBe("granted");
    const timeline = await page.textContent("#timeline");
    expect(timeline).toContain("consent.updated");
    expect(timeline).toContain(`operator:${operatorName}`);
    expect(await page.textContent("#consent-history")).toContain("unknown → granted");
    await shot("customer");
    await page.goto(`${base}/audit?actor=operator`);
    expect(await page.textContent("#audit")).toContain("consent.updated");
    await shot("audit");
  });

  it("pauses a running campaign: the page shows it stopped, the live list follows", async () => {
    const id = await runningCampaign(env.db, { name: "Spring sale VIP", audience: 1200, sent: 480, delivered: 455 });
    await env.db
      .insertInto("templates")
      .values({
        name: "spring_sale",
        locale: "en",
        category: "marketing",
        status: "APPROVED",
        components: "[]",
        body_text: "Spring sale!",
      })
      .execute();
    await page.goto(`${base}/campaigns/${id}`);
    expect(await page.textContent(`#progress-${id} .status`)).toBe("running");
    await Promise.all([page.waitForURL(/notice=/), page.click("#pause-button")]);
    expect(await page.textContent(`#progress-${id} .status`)).toBe("paused");
    expect(
      (await env.db.selectFrom("campaigns").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status,
    ).toBe("paused");
    await shot("campaign");
    // Live progress: the list updates over server-sent events when the campaign changes (resumed elsewhere).
    await page.goto(`${base}/campaigns`);
    await page.waitForSelector("[sse-connect]");
    await env.db
      .updateTable("campaigns")
      .set({ status: "running", paused_at: null, updated_at: new Date() })
      .where("id", "=", id)
      .execute();
    await expect.poll(() => page.textContent(`#progress-${id} .status`), { timeout: 8000 }).toBe("running");
    await shot("campaigns");
  });

  it("replays a dead letter after the cause is fixed", async () => {
    const wamid = "wamid.browser-late-status";
    const body = envelope({
      statuses: [
        { id: wamid, status: "delivered", timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: CUSTOMER },
      ],
    });
    const parked = await deliverSigned(body, true);
    expect(parked.outcomes.parked).toBe(1);
    const dead = await env.db
      .selectFrom("webhook_dead_letters")
      .select("id")
      .where("event_key", "=", `status:${wamid}:delivered`)
      .executeTakeFirstOrThrow();
    // The fix: the message the status refers to now exists (e.g. restored), so the event can apply.
    const msg = await env.db
      .insertInto("messages")
      .values({
        customer_id: CUSTOMER,
        direction: "outbound",
        category: "utility",
        kind: "text",
        content: JSON.stringify({ type: "text", text: "Your order ships today" }),
        status: "sent",
        wamid,
        phone_number_id: PHONE_NUMBER_ID,
        sent_at: new Date(Date.now() - 60_000),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await page.goto(`${base}/dead-letters`);
    expect(await page.textContent(`#dead-${dead.id}`)).toContain("no matching message");
    await shot("dead-letters");
    await Promise.all([page.waitForURL(/notice=/), page.click(`#dead-${dead.id} button.replay`)]);
    expect(await page.textContent(".notice")).toContain("Replayed");
    expect(await page.$(`#dead-${dead.id}`)).toBeNull();
    expect(
      (await env.db.selectFrom("messages").select("status").where("id", "=", msg.id).executeTakeFirstOrThrow()).status,
    ).toBe("delivered");
    await page.goto(`${base}/messages/${msg.id}`);
    expect(await page.textContent("main")).toContain("delivered");
    await page.goto(`${base}/messages`);
    await shot("messages");
  });

  it("the overview sums up the day: sends by category, failures by Meta code, the number", async () => {
    // "Today" (UTC) is the day of this test's own rows, even when 00:00 passes before the page is read.
    env.pinNow(Date.now());
    await env.db
      .insertInto("phone_numbers")
      .values({
        phone_number_id: PHONE_NUMBER_ID,
        waba_id: WABA_ID,
        display_phone_number: "+1 555 000 1111",
        verified_name: "Demo Shop",
        messaging_limit_tier: "TIER_10K",
      })
      .execute();
    await env.db
      .insertInto("messages")
      .values({
        customer_id: CUSTOMER,
        direction: "outbound",
        category: "marketing",
        kind: "template",
        content: JSON.stringify({ type: "template", template_name: "spring_sale" }),
        template_name: "spring_sale",
        status: "failed",
        error_code: 131047,
        error_title: "Re-engagement message",
        phone_number_id: PHONE_NUMBER_ID,
        failed_at: new Date(),
      })
      .execute();
    await env.db
      .insertInto("messages")
      .values({
        customer_id: CUSTOMER,
        direction: "outbound",
        category: "utility",
        kind: "text",
        content: JSON.stringify({ type: "text", text: "See you soon" }),
        status: "sent",
        phone_number_id: PHONE_NUMBER_ID,
        sent_at: new Date(),
      })
      .execute();
    await page.goto(`${base}/`);
    const main = await page.textContent("main");
    expect(main).toContain("utility sends");
    expect(main).toContain("131047");
    expect(main).toContain("TIER_10K");
    await shot("overview");
    env.pinNow(null);
  });
});
