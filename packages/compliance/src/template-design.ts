import { bodyProblems, placeholdersOf } from "./placeholders.js";

// create_template's header, footer and buttons, with Meta's limits (meta-api.md §3, "Length limits").
const MAX_HEADER = 60;
const MAX_FOOTER = 60;
const MAX_BUTTON_TEXT = 25;
const MAX_BUTTONS = 10;
const MAX_URL_BUTTONS = 2;
const MAX_PHONE = 20;
const MAX_COPY_CODE = 15;
/** Meta fixes an authentication template's body; this is the text it answers with (and sends need {{1}}). */
const AUTH_BODY = "{{1}} is your verification code. For your security, do not share this code.";

type HeaderDesign =
  | { readonly format: "text"; readonly text: string; readonly example?: string }
  | { readonly format: "image" | "video" | "document"; readonly example: string }
  | { readonly format: "location" };

type ButtonDesign =
  | { readonly type: "quick_reply"; readonly text: string }
  | { readonly type: "url"; readonly text: string; readonly url: string; readonly example?: string }
  | { readonly type: "phone_number"; readonly text: string; readonly phone_number: string }
  | { readonly type: "copy_code"; readonly example: string }
  | { readonly type: "otp"; readonly text?: string };

export interface TemplateDesign {
  readonly category: "MARKETING" | "UTILITY" | "AUTHENTICATION";
  readonly body_text?: string;
  readonly examples?: readonly string[] | Readonly<Record<string, string>>;
  readonly header?: HeaderDesign;
  readonly footer?: string;
  readonly buttons?: readonly ButtonDesign[];
}

const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;
const vars = (s: string): string[] => [...s.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
const httpsUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === "https:" && u.username === "" && u.password === "";
  } catch {
    return false;
  }
};

function headerProblems(h: HeaderDesign, named: boolean): string[] {
  if (h.format === "location") return [];
  if (h.format !== "text") {
    const ex = h.example.trim();
    const ok = httpsUrl(ex) || /^\d+:/.test(ex); // a sample https link or an upload handle ("4::aW1h…")
    return ok ? [] : [`header: a ${h.format} header needs an example: an https link to a sample or an upload handle`];
  }
  const out: string[] = [];
  if (h.text.trim() === "" || h.text.length > MAX_HEADER) out.push(`header: text must have 1–${MAX_HEADER} characters`);
  const v = vars(h.text);
  if (v.length > 1) out.push("header: text may have at most one variable");
  if (v.length === 1) {
    const name = v[0] ?? "";
    if (named ? !/^[a-z_][a-z0-9_]*$/.test(name) : name !== "1")
      out.push(
        named ? "header: the variable must be a named one like {{first_name}}" : "header: the variable must be {{1}}",
      );
    if (!h.example?.trim()) out.push("header: the variable needs an example value");
  } else if (h.example !== undefined) out.push("header: an example was given but the text has no variable");
  return out;
}

function buttonProblems(buttons: readonly ButtonDesign[], category: TemplateDesign["category"]): string[] {
  const out: string[] = [];
  const count = (t: ButtonDesign["type"]) => buttons.filter((b) => b.type === t).length;
  if (buttons.length > MAX_BUTTONS) out.push(`buttons: at most ${MAX_BUTTONS}, got ${buttons.length}`);
  if (count("url") > MAX_URL_BUTTONS) out.push(`buttons: at most ${MAX_URL_BUTTONS} URL buttons`);
  if (count("phone_number") > 1) out.push("buttons: at most 1 phone_number button");
  if (count("copy_code") > 1) out.push("buttons: at most 1 copy_code button");
  if (category === "AUTHENTICATION" && (buttons.length !== 1 || buttons[0]?.type !== "otp"))
    out.push('buttons: an authentication template has exactly one {"type":"otp"} (copy-code) button');
  if (category !== "AUTHENTICATION" && count("otp") > 0) out.push("buttons: otp buttons are for AUTHENTICATION only");
  const kinds = buttons.map((b) => (b.type === "quick_reply" ? "q" : "o"));
  if (/q+o+q/.test(kinds.join("")))
    out.push("buttons: quick replies must be grouped together (not split by other buttons)");
  buttons.forEach((b, i) => {
    const at = `buttons[${i}] (${b.type})`;
    if ("text" in b && b.text !== undefined && (b.text.trim() === "" || b.text.length > MAX_BUTTON_TEXT))
      out.push(`${at}: text must have 1–${MAX_BUTTON_TEXT} characters`);
    if (b.type === "url") {
      const v = vars(b.url);
      if (!httpsUrl(b.url.replace(PLACEHOLDER, "x"))) out.push(`${at}: url must be an https URL`);
      if (v.length > 1 || (v.length === 1 && (v[0] !== "1" || !b.url.trimEnd().endsWith("}}"))))
        out.push(`${at}: url may end with one variable {{1}} (the suffix), nothing else`);
      if (v.length === 1 && !b.example?.trim())
        out.push(`${at}: a url with {{1}} needs an example (a full sample URL)`);
    }
    if (b.type === "phone_number" && !/^\+?\d{6,20}$/.test(b.phone_number.replace(/[\s-]/g, "")))
      out.push(`${at}: phone_number must be up to ${MAX_PHONE} digits with country code`);
    if (b.type === "copy_code" && (b.example.trim() === "" || b.example.length > MAX_COPY_CODE))
      out.push(`${at}: example must have 1–${MAX_COPY_CODE} characters`);
  });
  return out;
}

/** Everything Meta would reject a new template for, or [] (body rules in placeholders.ts). */
export function templateDesignProblems(d: TemplateDesign): string[] {
  const auth = d.category === "AUTHENTICATION";
  const out: string[] = [];
  if (d.body_text === undefined) {
    if (!auth) out.push("body_text is required (only authentication templates take Meta's fixed body)");
  } else out.push(...bodyProblems(d.body_text, d.examples).map((p) => `body: ${p}`));
  const named =
    d.body_text !== undefined && placeholdersOf(d.body_text).format === "named" && vars(d.body_text).length > 0;
  if (d.header)
    out.push(...(auth ? ["header: authentication templates have no header"] : headerProblems(d.header, named)));
  if (d.footer !== undefined) {
    if (d.footer.trim() === "" || d.footer.length > MAX_FOOTER)
      out.push(`footer: must have 1–${MAX_FOOTER} characters`);
    if (vars(d.footer).length > 0) out.push("footer: may not contain variables");
  }
  if (d.buttons || auth) out.push(...buttonProblems(d.buttons ?? [], d.category));
  return out;
}

function headerComponent(h: HeaderDesign): Record<string, unknown> {
  if (h.format === "location") return { type: "HEADER", format: "LOCATION" };
  if (h.format !== "text")
    return { type: "HEADER", format: h.format.toUpperCase(), example: { header_handle: [h.example] } };
  const v = vars(h.text)[0];
  if (v === undefined || h.example === undefined) return { type: "HEADER", format: "TEXT", text: h.text };
  const example =
    v === "1" ? { header_text: [h.example] } : { header_text_named_params: [{ param_name: v, example: h.example }] };
  return { type: "HEADER", format: "TEXT", text: h.text, example };
}

function buttonComponent(b: ButtonDesign): Record<string, unknown> {
  switch (b.type) {
    case "quick_reply":
      return { type: "QUICK_REPLY", text: b.text };
    case "url":
      return { type: "URL", text: b.text, url: b.url, ...(b.example ? { example: [b.example] } : {}) };
    case "phone_number":
      return { type: "PHONE_NUMBER", text: b.text, phone_number: b.phone_number };
    case "copy_code":
      return { type: "COPY_CODE", example: b.example };
    case "otp":
      return { type: "OTP", otp_type: "COPY_CODE", text: b.text ?? "Copy code" };
  }
}

function bodyComponent(text: string, examples: TemplateDesign["examples"]): Record<string, unknown> {
  const body: Record<string, unknown> = { type: "BODY", text };
  if (Array.isArray(examples) && examples.length > 0) body["example"] = { body_text: [examples] };
  else if (examples !== undefined && !Array.isArray(examples) && Object.keys(examples).length > 0)
    body["example"] = {
      body_text_named_params: Object.entries(examples).map(([param_name, example]) => ({ param_name, example })),
    };
  return body;
}

/**
 * Meta's components for a checked design: `submit` goes to Meta, `stored` is what our templates row keeps
 * (an authentication body with the text Meta fixes, so rule 5 knows its {{1}}).
 */
export function templateComponents(d: TemplateDesign): { submit: unknown[]; stored: unknown[]; bodyText: string } {
  const auth = d.category === "AUTHENTICATION" && d.body_text === undefined;
  const bodyText = d.body_text ?? AUTH_BODY;
  const body = auth ? { type: "BODY", add_security_recommendation: true } : bodyComponent(bodyText, d.examples);
  const rest: Record<string, unknown>[] = [
    ...(d.footer !== undefined ? [{ type: "FOOTER", text: d.footer }] : []),
    ...(d.buttons?.length ? [{ type: "BUTTONS", buttons: d.buttons.map(buttonComponent) }] : []),
  ];
  const head = d.header ? [headerComponent(d.header)] : [];
  return {
    submit: [...head, body, ...rest],
    stored: [...head, auth ? { ...body, text: bodyText } : body, ...rest],
    bodyText,
  };
}
