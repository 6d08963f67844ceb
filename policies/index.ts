import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

// Levels per stack come from config/<stack>.json through `--policy-pack-config`; each rule's own level is the
// production default used when no config names it.
new PolicyPack("webapp-platform-security", {
  description:
    "The web-application security checklist as code: Azure, PostgreSQL, Vercel and credential rules.",
  displayName: "Web application platform security checklist",
  provider: "azure",
  tags: ["azure", "vercel", "postgresql", "security"],
  policies: [...rules],
});
