import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, mcpGatewayEnv, withEnvFiles } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "env-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("withEnvFiles", () => {
  it("layers the environment over the first file over the later ones, and skips missing files", () => {
    const first = join(dir, "first.env");
    const second = join(dir, "second.env");
    writeFileSync(first, 'META_WABA_ID=1001\n# a comment\nMETA_PHONE_NUMBER_ID="111"\n');
    writeFileSync(second, "META_WABA_ID=2002\nMETA_ACCESS_TOKEN=file-token\nLOG_LEVEL=debug\n");
    const { source, read } = withEnvFiles([first, join(dir, "missing.env"), second], {
      LOG_LEVEL: "warn",
      META_PHONE_NUMBER_ID: "",
    });
    expect(read).toEqual([first, second]);
    const cfg = loadConfig(mcpGatewayEnv, source);
    expect(cfg).toMatchObject({
      META_WABA_ID: "1001",
      META_PHONE_NUMBER_ID: "111",
      META_ACCESS_TOKEN: "file-token",
      LOG_LEVEL: "warn",
    });
  });
});
