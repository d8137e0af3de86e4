package secrets

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Regexp fragments. RE2 has no look-around, so a trailing boundary is a
// non-capturing group outside the secret's submatch.
const (
	endTok = `(?:[^A-Za-z0-9_\-]|$)` // end of a token made of [A-Za-z0-9_-]
	assign = `["'\])]?\s{0,4}(?::=|=>|=|:)\s{0,4}["'\x60]?`
	nameRe = `[a-z0-9_.\-]{0,40}`
	// typeAnnot is an optional type between a name and "=": Python and
	// TypeScript "name: str =", Go and Java-ish "name string =".
	typeAnnot = `(?:\s*:\s*[A-Za-z_][A-Za-z0-9_.\[\]|]{0,30}|[ \t]+[A-Za-z_][A-Za-z0-9_.]{0,30})?`
)

// builtinRules is the rule registry. Order is priority: when matches of two
// rules overlap, the earlier rule wins, so specific token formats come
// before context-based and generic rules.
var builtinRules = []*rule{
	// ---- cloud: AWS ----
	{
		Rule:     Rule{ID: "aws-access-key-id", Title: "AWS access key ID", Severity: severity.High, Description: "AWS IAM access key ID (AKIA/ASIA/ABIA/ACCA prefix, 16 upper-case letters and digits)."},
		keywords: []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, caseSensitive: true,
		pattern: `((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b`, anchor: anchorKeyword, prev: notWordChar,
		check: checkAWSKeyID,
	},
	{
		Rule:     Rule{ID: "aws-secret-access-key", Title: "AWS secret access key", Severity: severity.Critical, Description: "40-character AWS secret access key assigned to an AWS-named variable."},
		keywords: []string{"aws"},
		anchor:   anchorKeyword,
		pattern:  `(?i)aws[a-z0-9_.\-]{0,25}(?:secret|sk)[a-z0-9_.\-]{0,25}` + assign + `([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`,
		check:    checkMixedBase64, minEntropy: 4.0,
	},
	{
		Rule:     Rule{ID: "aws-session-token", Title: "AWS session token", Severity: severity.High, Description: "Temporary AWS STS session token assigned to an AWS session-token variable."},
		keywords: []string{"session_token", "sessiontoken", "session-token"},
		pattern:  `(?i)aws.{0,3}session.?token` + assign + `([A-Za-z0-9/+=]{100,})`,
		check:    checkMixedBase64, minEntropy: 4.5,
	},
	{
		Rule:     Rule{ID: "aws-mws-key", Title: "Amazon MWS auth token", Severity: severity.High, Description: "Amazon Marketplace Web Service auth token (amzn.mws. prefix)."},
		keywords: []string{"amzn.mws."},
		anchor:   anchorKeyword, prev: notWordChar,
		pattern: `(amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`,
	},
	// ---- cloud: Google ----
	{
		Rule:     Rule{ID: "gcp-service-account-key", Title: "GCP service account private key", Severity: severity.Critical, Description: "Private key embedded in a Google Cloud service-account JSON key file (\"private_key\" field)."},
		keywords: []string{`"private_key"`},
		anchor:   anchorKeyword,
		pattern:  `"private_key"\s*:\s*"(-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\[nr]|[A-Za-z0-9+/=\s])+-----END [A-Z ]*PRIVATE KEY-----)`,
		check:    checkPEM, normalize: normalizePEM, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "gcp-api-key", Title: "Google API key", Severity: severity.High, Description: "Google Cloud / Firebase / Maps API key (AIza prefix, 39 characters)."},
		keywords: []string{"AIza"}, caseSensitive: true,
		pattern: `(AIza[0-9A-Za-z_\-]{35})` + endTok, minEntropy: 3.8, anchor: anchorKeyword, prev: notTokenChar,
	},
	{
		Rule:     Rule{ID: "gcp-oauth-client-secret", Title: "Google OAuth client secret", Severity: severity.High, Description: "Google OAuth 2.0 client secret (GOCSPX- prefix)."},
		keywords: []string{"GOCSPX-"}, caseSensitive: true,
		pattern: `(GOCSPX-[A-Za-z0-9_\-]{28})` + endTok, minEntropy: 3.5, anchor: anchorKeyword, prev: notTokenChar,
	},
	{
		Rule:     Rule{ID: "gcp-oauth-access-token", Title: "Google OAuth access token", Severity: severity.Medium, Description: "Short-lived Google OAuth 2.0 access token (ya29. prefix)."},
		keywords: []string{"ya29."}, caseSensitive: true,
		pattern: `(ya29\.[0-9A-Za-z_\-]{50,})`, minEntropy: 4.0, anchor: anchorKeyword, prev: notTokenChar,
	},
	// ---- cloud: Azure ----
	{
		Rule:       Rule{ID: "azure-storage-account-key", Title: "Azure storage account key", Severity: severity.Critical, Description: "Azure Storage account key in a connection string (AccountKey=...) or an Azure-named variable."},
		keywords:   []string{"accountkey", "azure"},
		anchor:     anchorKeyword,
		pattern:    `(?i)(?:AccountKey\s*=\s*|azure[a-z0-9_.\-]{0,30}(?:key|secret)[a-z0-9_.\-]{0,10}` + assign + `)([A-Za-z0-9+/]{86}==)`,
		minEntropy: 4.5,
	},
	{
		Rule:       Rule{ID: "azure-shared-access-key", Title: "Azure Service Bus / Event Hubs shared access key", Severity: severity.High, Description: "SharedAccessKey= in an Azure Service Bus, Event Hubs or IoT Hub connection string."},
		keywords:   []string{"sharedaccesskey="},
		anchor:     anchorKeyword,
		pattern:    `(?i)SharedAccessKey\s*=\s*([A-Za-z0-9+/]{42,44}={0,2})`,
		minEntropy: 4.0,
	},
	{
		Rule:     Rule{ID: "azure-sas-token", Title: "Azure shared access signature", Severity: severity.High, Description: "Azure SAS URL or query string with a signature (sv=...&sig=...)."},
		keywords: []string{"sig="},
		pattern:  `(?i)sig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})`, anchor: anchorKeyword,
		prev:  func(b byte) bool { return bytes.IndexByte([]byte("?&; \t\"'"), b) >= 0 },
		check: checkSAS, minEntropy: 4.0,
	},
	{
		Rule:     Rule{ID: "azure-ad-client-secret", Title: "Azure AD client secret", Severity: severity.High, Description: "Microsoft Entra ID (Azure AD) application client secret (contains \"Q~\")."},
		keywords: []string{"Q~"}, caseSensitive: true,
		pattern: `(?:^|[\\'"\x60\s>=:(,)])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:$|[\\'"\x60\s<),])`, minEntropy: 3.5,
	},
	// ---- code hosts: GitHub ----
	ghToken("github-pat", "GitHub personal access token (classic)", "ghp_", severity.Critical),
	ghToken("github-oauth-token", "GitHub OAuth access token", "gho_", severity.High),
	ghToken("github-user-to-server-token", "GitHub App user-to-server token", "ghu_", severity.High),
	ghToken("github-app-token", "GitHub App installation (server-to-server) token", "ghs_", severity.High),
	ghToken("github-refresh-token", "GitHub App refresh token", "ghr_", severity.High),
	{
		Rule:     Rule{ID: "github-fine-grained-pat", Title: "GitHub fine-grained personal access token", Severity: severity.Critical, Description: "GitHub fine-grained personal access token (github_pat_ prefix, 82 characters after it)."},
		keywords: []string{"github_pat_"},
		pattern:  `(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`, minEntropy: 4.0, anchor: anchorKeyword, prev: notWordChar,
	},
	{
		Rule:     Rule{ID: "github-legacy-token", Title: "GitHub legacy token", Severity: severity.Medium, Description: "40-hex GitHub token or OAuth app secret from before 2021, assigned to a GitHub-named variable."},
		keywords: []string{"github"}, contextual: true,
		anchor:  anchorKeyword,
		pattern: `(?i)github[a-z0-9_.\-]{0,20}(?:token|pat|secret|password|key)[a-z0-9_.\-]{0,10}` + assign + `([0-9a-f]{40})\b`, minEntropy: 3.3,
	},
	// ---- code hosts: GitLab, Atlassian ----
	prefixed("gitlab-pat", "GitLab personal access token", severity.Critical, "glpat-", `glpat-[A-Za-z0-9_\-]{20,}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?`),
	prefixed("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", severity.High, "glptt-", `glptt-[0-9a-f]{40}`),
	prefixed("gitlab-runner-token", "GitLab runner authentication token", severity.High, "glrt-", `glrt-[A-Za-z0-9_\-]{20,}`),
	prefixed("gitlab-runner-registration-token", "GitLab runner registration token", severity.Medium, "GR1348941", `GR1348941[A-Za-z0-9_\-]{20}`),
	prefixed("gitlab-deploy-token", "GitLab deploy token", severity.High, "gldt-", `gldt-[A-Za-z0-9_\-]{20,}`),
	prefixed("gitlab-feed-token", "GitLab feed token", severity.Medium, "glft-", `glft-[A-Za-z0-9_\-]{20,}`),
	prefixed("gitlab-oauth-app-secret", "GitLab OAuth application secret", severity.High, "gloas-", `gloas-[A-Za-z0-9_\-]{64}`),
	prefixed("gitlab-scim-token", "GitLab SCIM token", severity.High, "glsoat-", `glsoat-[A-Za-z0-9_\-]{20,}`),
	prefixed("gitlab-cicd-job-token", "GitLab CI/CD job token", severity.Medium, "glcbt-", `glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_\-]{20}`),
	prefixed("gitlab-incoming-mail-token", "GitLab incoming mail token", severity.Low, "glimt-", `glimt-[0-9A-Za-z_\-]{25}`),
	prefixed("gitlab-kubernetes-agent-token", "GitLab agent for Kubernetes token", severity.High, "glagent-", `glagent-[0-9A-Za-z_\-]{50}`),
	prefixed("atlassian-api-token", "Atlassian API token", severity.High, "ATATT3", `ATATT3[A-Za-z0-9_\-=]{150,}`),
	// ---- chat ----
	prefixed("slack-bot-token", "Slack bot token", severity.High, "xoxb-", `xoxb-[0-9]{8,14}-(?:[0-9]{10,13}-)?[A-Za-z0-9]{18,26}`),
	prefixed("slack-user-token", "Slack user token", severity.High, "xoxp-", `xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9\-]{28,34}`, "xoxe-"),
	prefixed("slack-app-token", "Slack app-level token", severity.High, "xapp-", `xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+`),
	prefixed("slack-config-token", "Slack configuration token", severity.High, "xoxe.xox", `xoxe\.xox[bp]-\d-[A-Z0-9]{163,166}`),
	prefixed("slack-legacy-token", "Slack legacy token", severity.Medium, "xoxo-", `xox[osa]-\d+-\d+-\d+-[a-fA-F\d]+`, "xoxs-", "xoxa-"),
	{
		Rule:     Rule{ID: "slack-webhook-url", Title: "Slack incoming webhook URL", Severity: severity.High, Description: "Slack incoming webhook, workflow or trigger URL (hooks.slack.com/...)."},
		keywords: []string{"hooks.slack.com"},
		anchor:   anchorKeyword,
		pattern:  `(hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})`, minEntropy: 4.0,
	},
	{
		Rule:     Rule{ID: "discord-webhook-url", Title: "Discord webhook URL", Severity: severity.Medium, Description: "Discord webhook URL with its token."},
		keywords: []string{"discord"},
		anchor:   anchorKeyword,
		pattern:  `(discord(?:app)?\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_\-]{60,70})`, minEntropy: 4.0,
	},
	{
		Rule:     Rule{ID: "telegram-bot-token", Title: "Telegram bot token", Severity: severity.Medium, Description: "Telegram Bot API token (numeric bot id, colon, 35 characters starting with AA)."},
		keywords: []string{":AA"}, caseSensitive: true,
		pattern: `(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})` + endTok, minEntropy: 3.8,
	},
	// ---- payments and SaaS ----
	prefixed("stripe-secret-key", "Stripe live secret key", severity.Critical, "sk_live_", `[sr]k_(?:live|prod)_[A-Za-z0-9]{24,99}`, "rk_live_", "sk_prod_", "rk_prod_"),
	prefixed("stripe-test-secret-key", "Stripe test-mode secret key", severity.Medium, "sk_test_", `[sr]k_test_[A-Za-z0-9]{24,99}`, "rk_test_"),
	prefixed("stripe-webhook-secret", "Stripe webhook signing secret", severity.High, "whsec_", `whsec_[A-Za-z0-9+/]{32,}`),
	prefixed("twilio-api-key", "Twilio API key SID", severity.High, "SK", `SK[0-9a-fA-F]{32}`),
	{
		Rule:     Rule{ID: "twilio-auth-token", Title: "Twilio auth token", Severity: severity.High, Description: "32-hex Twilio auth token assigned to a Twilio-named variable."},
		keywords: []string{"twilio"}, contextual: true,
		anchor:  anchorKeyword,
		pattern: `(?i)twilio[a-z0-9_.\-]{0,20}(?:auth|token|secret)[a-z0-9_.\-]{0,20}` + assign + `([0-9a-f]{32})\b`, minEntropy: 3.2,
	},
	prefixed("sendgrid-api-key", "SendGrid API key", severity.High, "SG.", `SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}`),
	prefixed("mailgun-api-key", "Mailgun private API key", severity.High, "key-", `key-[0-9a-f]{32}`),
	{
		Rule:     Rule{ID: "mailgun-signing-key", Title: "Mailgun webhook signing key", Severity: severity.Medium, Description: "Mailgun HTTP webhook signing key near the word mailgun."},
		keywords: []string{"mailgun"}, contextual: true,
		anchor:  anchorKeyword,
		pattern: `(?i)mailgun.{0,40}?\b([a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8})\b`, minEntropy: 3.3,
	},
	midKeyword(prefixed("mailchimp-api-key", "Mailchimp API key", severity.Medium, "-us", `[0-9a-f]{32}-us[0-9]{1,2}`)),
	prefixed("shopify-access-token", "Shopify access token", severity.High, "shpat_", `shpat_[a-fA-F0-9]{32}`),
	prefixed("shopify-custom-app-token", "Shopify custom app access token", severity.High, "shpca_", `shpca_[a-fA-F0-9]{32}`),
	prefixed("shopify-private-app-token", "Shopify private app access token", severity.High, "shppa_", `shppa_[a-fA-F0-9]{32}`),
	prefixed("shopify-shared-secret", "Shopify shared secret", severity.High, "shpss_", `shpss_[a-fA-F0-9]{32}`),
	prefixed("square-access-token", "Square access token or OAuth secret", severity.High, "sq0atp-", `sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,43}`, "sq0csp-"),
	prefixed("postman-api-key", "Postman API key", severity.High, "PMAK-", `PMAK-[a-f0-9]{24}-[a-f0-9]{34}`),
	prefixed("linear-api-key", "Linear API key", severity.High, "lin_api_", `lin_api_[A-Za-z0-9]{40}`),
	prefixed("figma-pat", "Figma personal access token", severity.Medium, "figd_", `figd_[A-Za-z0-9_\-]{40}`),
	prefixed("new-relic-user-api-key", "New Relic user API key", severity.High, "NRAK-", `NRAK-[A-Z0-9]{27}`),
	prefixed("sentry-token", "Sentry auth token", severity.High, "sntrys_", `sntry[su]_[A-Za-z0-9+/=_\-]{40,}`, "sntryu_"),
	prefixed("grafana-service-account-token", "Grafana service account token", severity.High, "glsa_", `glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}`),
	prefixed("grafana-cloud-token", "Grafana Cloud API token", severity.High, "glc_", `glc_[A-Za-z0-9+/]{32,400}={0,2}`),
	prefixed("digitalocean-token", "DigitalOcean token", severity.High, "dop_v1_", `do[por]_v1_[a-f0-9]{64}`, "doo_v1_", "dor_v1_"),
	prefixed("databricks-token", "Databricks access token", severity.High, "dapi", `dapi[a-f0-9]{32}(?:-\d)?`),
	prefixed("planetscale-token", "PlanetScale token or password", severity.High, "pscale_", `pscale_(?:tkn|pw|oauth)_[A-Za-z0-9=._\-]{32,64}`),
	prefixed("pulumi-access-token", "Pulumi access token", severity.High, "pul-", `pul-[a-f0-9]{40}`),
	prefixed("doppler-token", "Doppler token", severity.High, "dp.", `dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}`),
	prefixed("jfrog-api-key", "JFrog Artifactory API key", severity.High, "AKCp", `AKCp[A-Za-z0-9]{69}`),
	prefixed("heroku-api-key", "Heroku API key", severity.High, "HRKU-", `HRKU-[A-Za-z0-9_\-]{60}`),
	{
		Rule:     Rule{ID: "heroku-api-key-legacy", Title: "Heroku API key (legacy UUID)", Severity: severity.Medium, Description: "UUID-format Heroku API key assigned to a Heroku-named variable."},
		keywords: []string{"heroku"}, contextual: true,
		anchor:  anchorKeyword,
		pattern: `(?i)heroku[a-z0-9_.\-]{0,20}(?:key|token|secret)[a-z0-9_.\-]{0,10}` + assign + `([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`, minEntropy: 3.0,
	},
	{
		Rule:     Rule{ID: "okta-api-token", Title: "Okta API token", Severity: severity.High, Description: "Okta API token (00 prefix, 42 characters) assigned to an Okta-named variable."},
		keywords: []string{"okta"}, contextual: true,
		anchor:  anchorKeyword,
		pattern: `(?i)okta[a-z0-9_.\-]{0,20}(?:token|key|secret)[a-z0-9_.\-]{0,10}` + assign + `(00[A-Za-z0-9_\-]{40})` + endTok, minEntropy: 3.8,
	},
	prefixed("age-secret-key", "age secret key", severity.High, "AGE-SECRET-KEY-1", `AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`),
	prefixed("fly-io-token", "Fly.io access token", severity.Medium, "fo1_", `fo1_[A-Za-z0-9_\-]{43}`),
	// ---- package registries ----
	prefixed("npm-access-token", "npm access token", severity.Critical, "npm_", `npm_[A-Za-z0-9]{36}`),
	{
		Rule:     Rule{ID: "npmrc-auth-token", Title: "npm registry auth token in .npmrc", Severity: severity.High, Description: "_authToken value in an .npmrc file (legacy UUID or other token format)."},
		keywords: []string{"_authtoken"},
		anchor:   anchorKeyword,
		pattern:  `(?i)_authToken\s*=\s*["']?([A-Za-z0-9_\-.+/=~]{20,})`, minEntropy: 3.0,
	},
	prefixed("pypi-upload-token", "PyPI upload token", severity.Critical, "pypi-", `pypi-(?:AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,}|[A-Za-z0-9_\-]{80,})`),
	prefixed("dockerhub-pat", "Docker Hub personal or organisation access token", severity.High, "dckr_pat_", `dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,32}`, "dckr_oat_"),
	// ---- HashiCorp ----
	prefixed("vault-service-token", "HashiCorp Vault service token", severity.Critical, "hvs.", `hvs\.[A-Za-z0-9_\-]{24,}`),
	prefixed("vault-batch-token", "HashiCorp Vault batch token", severity.High, "hvb.", `hvb\.[A-Za-z0-9_\-]{90,}`),
	prefixed("vault-recovery-token", "HashiCorp Vault recovery token", severity.High, "hvr.", `hvr\.[A-Za-z0-9_\-]{24,}`),
	{
		Rule:     Rule{ID: "vault-legacy-token", Title: "HashiCorp Vault legacy token", Severity: severity.Medium, Description: "Pre-1.10 Vault token (s. prefix, 24 characters) assigned to a Vault-named variable."},
		keywords: []string{"vault"}, contextual: true,
		anchor:  anchorKeyword,
		pattern: `(?i)vault[a-z0-9_.\-]{0,20}token[a-z0-9_.\-]{0,10}` + assign + `(s\.[A-Za-z0-9]{24})\b`, minEntropy: 3.5,
	},
	midKeyword(prefixed("terraform-cloud-token", "Terraform Cloud / Enterprise API token", severity.Critical, "atlasv1", `[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70}`)),
	// ---- AI providers ----
	{
		Rule:     Rule{ID: "openai-api-key", Title: "OpenAI API key", Severity: severity.Critical, Description: "OpenAI API key: sk-proj-/sk-svcacct-/sk-admin- keys, legacy sk- keys with the T3BlbkFJ marker, and 48-character sk- keys."},
		keywords: []string{"sk-"}, caseSensitive: true,
		anchor: anchorKeyword, prev: notWordChar,
		pattern: `(sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}|[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|[A-Za-z0-9]{48}))` + endTok,
		check:   checkMixedCase, minEntropy: 4.0,
	},
	prefixed("anthropic-api-key", "Anthropic API key", severity.Critical, "sk-ant-", `sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_\-]{40,}`),
	prefixed("huggingface-token", "Hugging Face access token", severity.High, "hf_", `hf_[A-Za-z0-9]{34}`, "api_org_"),
	prefixed("groq-api-key", "Groq API key", severity.High, "gsk_", `gsk_[A-Za-z0-9]{52}`),
	prefixed("replicate-api-token", "Replicate API token", severity.High, "r8_", `r8_[A-Za-z0-9]{37}`),
	prefixed("perplexity-api-key", "Perplexity API key", severity.High, "pplx-", `pplx-[A-Za-z0-9]{48}`),
	prefixed("xai-api-key", "xAI API key", severity.High, "xai-", `xai-[A-Za-z0-9]{80}`),
	// ---- private keys ----
	pemKey("private-key-rsa", "RSA private key", "RSA PRIVATE KEY", "rsa private key"),
	pemKey("private-key-ec", "EC private key", "EC PRIVATE KEY", "ec private key"),
	pemKey("private-key-dsa", "DSA private key", "DSA PRIVATE KEY", "dsa private key"),
	pemKey("private-key-openssh", "OpenSSH private key", "OPENSSH PRIVATE KEY", "openssh private key"),
	pemKey("private-key-encrypted", "Encrypted PKCS#8 private key", "ENCRYPTED PRIVATE KEY", "encrypted private key"),
	pemKey("private-key-pgp", "PGP private key block", "PGP PRIVATE KEY BLOCK", "pgp private key block"),
	pemKey("private-key-pkcs8", "PKCS#8 private key", "PRIVATE KEY", "begin private key"),
	{
		Rule:     Rule{ID: "private-key-putty", Title: "PuTTY private key", Severity: severity.High, Description: "PuTTY .ppk private key file (PuTTY-User-Key-File with Private-Lines)."},
		keywords: []string{"putty-user-key-file"}, multiline: true,
		pattern: `(?s)PuTTY-User-Key-File-\d: [^\n]*\n.*?Private-Lines: \d+\r?\n([A-Za-z0-9+/=\r\n]{40,})`,
		check:   checkPEM, normalize: normalizePEM, placeholderOK: true,
	},
	// ---- tokens with structure ----
	{
		Rule:     Rule{ID: "jwt", Title: "JSON Web Token", Severity: severity.Medium, Description: "Signed JSON Web Token whose header decodes to JSON with an alg."},
		keywords: []string{"eyJ"}, caseSensitive: true,
		anchor: anchorKeyword, prev: notWordChar,
		pattern: `(eyJ[A-Za-z0-9_\-]{10,}={0,2}\.eyJ[A-Za-z0-9_\-]{10,}={0,2}\.[A-Za-z0-9_\-]{16,}={0,2})`,
		check:   func(m *matchInfo) bool { return validJWT(m.secret) },
	},
	// ---- passwords in URLs and connection strings ----
	{
		Rule:     Rule{ID: "database-url-password", Title: "Password in database URL", Severity: severity.High, Description: "Password in a database connection URL (postgres, mysql, mongodb, redis, amqp, mssql, ...)."},
		keywords: []string{"postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql", "sqlserver", "cockroach", "clickhouse", "oracle", "jdbc:"},
		anchor:   anchorKeyword, prev: notWordChar,
		pattern: `(?i)(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb|clickhouse|oracle|db2)(?:\+[a-z0-9]+)?://([^:@/\s"'<>]{0,64}):([^@\s"'<>/]{3,128})@[^\s"'<>/@]+`,
		group:   2, check: checkURLPassword, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "url-credentials", Title: "Password in URL", Severity: severity.Medium, Description: "user:password@ credentials embedded in an http(s), ftp, smtp or ldap URL."},
		keywords: []string{"://"}, contextual: true,
		anchor:  anchorName,
		pattern: `(?i)(?:https?|ftps?|sftp|smtps?|ldaps?|git\+https?)://([^:@/\s"'<>]{1,64}):([^@\s"'<>/]{3,128})@[A-Za-z0-9.\-]+`,
		group:   2, check: checkURLPassword, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "connection-string-password", Title: "Password in connection string", Severity: severity.High, Description: "Password=/Pwd= in an ADO.NET/ODBC style connection string that also names a server."},
		keywords: []string{"password=", "pwd="}, contextual: true, anchor: anchorKeyword,
		prev:    func(b byte) bool { return bytes.IndexByte([]byte(";\"' \t"), b) >= 0 },
		pattern: `(?i)(?:password|pwd)\s*=\s*([^;"'\s<>]{4,128})`,
		check:   checkConnString, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "netrc-password", Title: "Password in .netrc", Severity: severity.High, Description: "password entry of a .netrc/_netrc machine block (one line or several)."},
		keywords: []string{"machine"}, contextual: true, multiline: true, windowLines: 3, anchor: anchorKeyword, prev: notWordChar,
		pattern: `(?i)machine\s+\S+\s+login\s+\S+\s+password\s+(\S{4,200})`,
		check:   checkLiteralPassword, placeholderOK: true, reportSecret: true,
	},
	{
		Rule:     Rule{ID: "authorization-basic", Title: "HTTP basic authorization credentials", Severity: severity.Medium, Description: "Authorization: Basic header whose base64 value decodes to user:password."},
		keywords: []string{"authorization"}, contextual: true, anchor: anchorKeyword, prev: notWordChar,
		pattern: `(?i)authorization["']?\s*[:=]\s*["']?basic\s+([A-Za-z0-9+/]{12,}={0,2})`,
		check:   checkBasicAuth,
	},
	{
		Rule:     Rule{ID: "authorization-bearer", Title: "HTTP bearer token", Severity: severity.Medium, Description: "Authorization: Bearer header with a literal high-entropy token."},
		keywords: []string{"bearer"}, contextual: true,
		anchor: anchorKeyword, prev: notWordChar,
		pattern: `(?i)bearer\s+([A-Za-z0-9_\-.=~+/]{20,})`,
		check:   checkGenericValue, placeholderOK: true,
	},
	// ---- generic assignments, gated by entropy ----
	{
		Rule:       Rule{ID: "generic-secret", Title: "Generic secret", Severity: severity.Medium, Description: "High-entropy literal assigned to a variable or key named like a secret, token, API key or credential."},
		keywords:   append([]string{"secret", "token", "auth", "credential", "_key", "-key", ".key"}, keyNames...),
		contextual: true, anchor: anchorName,
		pattern: `(?i)(` + nameRe + `(?:secret|token|api[_.\-]?key|access[_.\-]?key|auth[_.\-]?key|auth|credentials?|private[_.\-]?key|signing[_.\-]?key|encryption[_.\-]?key|master[_.\-]?key|[_.\-]key)` + nameRe +
			`)["'\]]{0,2}` + typeAnnot + `\s{0,4}(?::=|=>|=|:)\s{0,4}` + quotedValue(10, 300),
		altGroups: []int{2, 3, 4, 5}, check: checkGenericSecret, placeholderOK: true,
	},
	{
		Rule:       Rule{ID: "generic-secret-xml", Title: "Secret in XML element or attribute", Severity: severity.Medium, Description: "Literal password, secret, token or API key in an XML element (<password>...</password>) or a .NET appSettings key/value pair."},
		keywords:   []string{"password>", "passwd>", "secret>", "token>", "key>", "value="},
		contextual: true,
		pattern: `(?i)(?:<([a-z0-9_.:\-]*(?:password|passwd|secret|token|api[_\-]?key|access[_\-]?key)[a-z0-9_.:\-]*)>([^<\s]{6,300})</|` +
			`\bkey\s*=\s*"([a-z0-9_.:\-]*(?:password|passwd|secret|token|api[_\-]?key|access[_\-]?key)[a-z0-9_.:\-]*)"\s+value\s*=\s*"([^"\s]{6,300})")`,
		altGroups: []int{2, 4}, check: checkGenericXML, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "kubernetes-env-secret", Title: "Secret in a container env entry", Severity: severity.Medium, Description: "Literal value of a Kubernetes/Compose env entry (name: ..., value: ...) whose name is a password, secret, token or key."},
		keywords: []string{"name:"}, contextual: true, multiline: true, reportSecret: true, windowLines: 1, anchor: anchorKeyword,
		pattern:   `(?i)name:\s*["']?([a-z0-9_.\-]*(?:password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?)[a-z0-9_.\-]*)["']?[ \t]*\r?\n[ \t]*value:[ \t]*` + quotedValue(6, 300),
		altGroups: []int{2, 3, 4, 5}, check: checkGenericAny, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "generic-secret-call", Title: "Secret passed as a literal to define/setenv", Severity: severity.Medium, Description: "Literal password, secret or token given to define(), putenv(), setenv() or a similar setter by name."},
		keywords: []string{"define", "env(", "set(", "setproperty", "setdefault", "put("}, contextual: true, anchor: anchorName,
		pattern:   `(?i)(?:define|setenv|putenv|os\.setenv|set|setdefault|setproperty|put)\s*\(\s*["']([a-z0-9_.\-]*(?:password|passwd|secret|token|api_?key|access_?key|auth_?key|private_?key|salt)[a-z0-9_.\-]*)["']\s*,\s*` + quotedValue(6, 300),
		altGroups: []int{2, 3, 4, 5}, check: checkGenericAny, placeholderOK: true,
	},
	{
		Rule:     Rule{ID: "dockerfile-env-secret", Title: "Secret in a Dockerfile ENV/ARG", Severity: severity.Medium, Description: "Literal password, secret or token set with ENV or ARG in a Dockerfile (space or = form)."},
		keywords: []string{"env ", "arg "}, contextual: true,
		pattern:   `(?im)^\s*(?:ENV|ARG)\s+([a-z0-9_.\-]*(?:password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?)[a-z0-9_.\-]*)(?:\s+|=)` + quotedValue(6, 300),
		altGroups: []int{2, 3, 4, 5}, check: checkGenericAny, placeholderOK: true,
	},
	{
		Rule:       Rule{ID: "generic-password", Title: "Hard-coded password", Severity: severity.Medium, Description: "Literal password assigned to a variable or key named like a password, gated by entropy and a placeholder list."},
		keywords:   []string{"pass", "pwd"},
		contextual: true, anchor: anchorName,
		pattern: `(?i)(` + nameRe + `(?:password|passwd|passphrase|passwort|pwd|pass)` + nameRe +
			`)["'\]]{0,2}` + typeAnnot + `\s{0,4}(?::=|=>|=|:)\s{0,4}` + quotedValue(6, 200),
		altGroups: []int{2, 3, 4, 5}, check: checkGenericPassword, placeholderOK: true,
	},
}

// keyNames are the "<kind> key" variable-name keywords of generic-secret.
var keyNames = func() []string {
	var out []string
	for _, k := range []string{"api", "access", "auth", "private", "signing", "encryption", "master"} {
		for _, sep := range []string{"", "_", "-", "."} {
			out = append(out, k+sep+"key")
		}
	}
	return out
}()

// quotedValue matches a literal: double-, single- or back-quoted (which
// may hold spaces and punctuation), or bare up to a delimiter. Its four
// alternatives are consecutive submatches.
func quotedValue(lo, hi int) string {
	r := fmt.Sprintf("{%d,%d}", lo, hi)
	return `(?:"([^"\r\n]` + r + `)"|'([^'\r\n]` + r + `)'|\x60([^\x60\r\n]` + r + `)\x60|([^\s"'\x60,;&<>]` + r + `))`
}

// ghToken is a new-format GitHub token rule with CRC32 validation.
func ghToken(id, title, prefix string, sev severity.Level) *rule {
	return &rule{
		Rule:     Rule{ID: id, Title: title, Severity: sev, Description: title + " (" + prefix + " prefix, 36 characters whose last 6 are a base62 CRC32 of the first 30)."},
		keywords: []string{prefix},
		pattern:  `(` + prefix + `[A-Za-z0-9]{36})\b`, anchor: anchorKeyword, prev: notWordChar,
		check: func(m *matchInfo) bool { return validGitHubChecksum(m.secret) },
	}
}

// prefixed is a rule for a token with a distinctive prefix. The match must
// stand alone: not preceded or followed by token characters.
func prefixed(id, title string, sev severity.Level, kw, body string, moreKW ...string) *rule {
	return &rule{
		Rule:          Rule{ID: id, Title: title, Severity: sev, Description: title + " (" + kw + " prefix)."},
		keywords:      append([]string{kw}, moreKW...),
		caseSensitive: true,
		pattern:       `(` + body + `)` + endTok,
		anchor:        anchorKeyword,
		prev:          notTokenChar,
		minEntropy:    3.0,
		check:         checkRandomTail,
	}
}

// midKeyword adapts a prefixed rule whose keyword is not at the start of
// the token: it scans the whole line, with the boundary in the pattern.
func midKeyword(r *rule) *rule {
	r.anchor, r.prev = anchorNone, nil
	r.pattern = `(?:^|[^A-Za-z0-9_\-])` + r.pattern
	return r
}

// pemKey is a rule for a PEM-armoured private key block.
func pemKey(id, title, label, kw string) *rule {
	return &rule{
		Rule:     Rule{ID: id, Title: title, Severity: severity.Critical, Description: "PEM block \"-----BEGIN " + label + "-----\" with a key body and an END line."},
		keywords: []string{kw}, multiline: true,
		pattern: `-----BEGIN ` + label + `-----((?:\\[nr]|[^-])+?)-----END ` + label + `-----`,
		check:   checkPEM, normalize: normalizePEM, placeholderOK: true,
	}
}

func hasDigit(s []byte) bool {
	for _, b := range s {
		if '0' <= b && b <= '9' {
			return true
		}
	}
	return false
}

func checkAWSKeyID(m *matchInfo) bool {
	tail := m.secret[4:]
	e := entropy(tail)
	if !hasDigit(tail) {
		return e >= 3.2
	}
	return e >= 3.0
}

func checkMixedBase64(m *matchInfo) bool {
	l, u, d, _ := classes(m.secret)
	return l > 0 && u > 0 && d > 0
}

func checkMixedCase(m *matchInfo) bool {
	l, u, d, _ := classes(m.secret)
	return l > 0 && u > 0 && d > 0
}

// checkRandomTail checks the part after the token prefix looks random: a
// long enough random tail has at least two character classes.
func checkRandomTail(m *matchInfo) bool {
	s := m.secret
	i := bytes.LastIndexAny(s[:min(len(s), 16)], "_-.")
	tail := s
	if i >= 0 && len(s)-i > 16 {
		tail = s[i+1:]
	}
	l, u, d, _ := classes(tail)
	n := 0
	for _, c := range []int{l, u, d} {
		if c > 0 {
			n++
		}
	}
	if n < 2 && len(tail) < 40 {
		return false
	}
	return entropy(tail) >= 3.0
}

func checkSAS(m *matchInfo) bool {
	return bytes.Contains(m.line, []byte("sv=")) || bytes.Contains(m.line, []byte("SharedAccessSignature"))
}

// pemBody extracts the base64 payload of a PEM-like body: escaped and real
// line breaks are removed, header lines (Proc-Type:, DEK-Info:, Version:,
// Comment:) are dropped, and string-concatenation punctuation is ignored.
func normalizePEM(s []byte) []byte {
	s = bytes.ReplaceAll(s, []byte(`\n`), []byte("\n"))
	s = bytes.ReplaceAll(s, []byte(`\r`), []byte("\n"))
	out := make([]byte, 0, len(s))
	for line := range bytes.SplitSeq(s, []byte("\n")) {
		if bytes.IndexByte(line, ':') >= 0 {
			continue
		}
		for _, b := range line {
			switch {
			case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '/', b == '=':
				out = append(out, b)
			case b == '+':
				// '+' is base64 but also string concatenation ("..." +).
				out = append(out, b)
			}
		}
	}
	// Drop a trailing armour checksum (PGP "=abcd").
	if i := bytes.LastIndexByte(out, '='); i >= 0 && i < len(out)-1 && len(out)-i <= 6 {
		out = out[:i]
	}
	return out
}

func checkPEM(m *matchInfo) bool {
	// A body made of anything but base64, whitespace, quotes and
	// concatenation is code or prose between two PEM markers.
	var bad int
	for _, b := range m.secret {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case bytes.IndexByte([]byte("+/=\r\n\t \"'\\,:-;"), b) >= 0:
		default:
			bad++
		}
	}
	if bad > len(m.secret)/50+2 {
		return false
	}
	body := normalizePEM(m.secret)
	if len(body) < 64 || bytes.Contains(m.secret, []byte("...")) || bytes.Contains(bytes.ToLower(body), []byte("xxxxxxxx")) {
		return false
	}
	return entropy(body) >= 4.5
}

// commonPasswords are weak defaults and documentation placeholders that are
// not worth a finding on their own (lower case, letters only).
var commonPasswords = map[string]struct{}{
	"password": {}, "passwd": {}, "pass": {}, "pwd": {}, "secret": {}, "changeme": {}, "changeit": {},
	"admin": {}, "administrator": {}, "root": {}, "toor": {}, "test": {}, "testing": {}, "tester": {}, "default": {}, "none": {},
	"null": {}, "nil": {}, "true": {}, "false": {}, "undefined": {}, "empty": {}, "string": {}, "str": {}, "value": {},
	"apikey": {}, "token": {}, "key": {}, "yourpassword": {}, "mypassword": {}, "letmein": {}, "welcome": {},
	"qwerty": {}, "abc": {}, "abcdef": {}, "foo": {}, "bar": {}, "baz": {}, "foobar": {}, "user": {}, "username": {},
	"guest": {}, "demo": {}, "example": {}, "sample": {}, "postgres": {}, "mysql": {}, "redis": {}, "rabbitmq": {},
	"mongo": {}, "mongodb": {}, "oracle": {}, "sa": {}, "dbpassword": {}, "dbpass": {}, "pa": {}, "p": {}, "pw": {},
	"hunter": {}, "iloveyou": {}, "monkey": {}, "dragon": {}, "master": {}, "login": {}, "access": {},
	"required": {}, "optional": {}, "hidden": {}, "masked": {}, "redacted": {}, "removed": {}, "notset": {}, "unset": {},
	"secretkey": {}, "secretpassword": {}, "supersecret": {}, "topsecret": {}, "mysecret": {}, "mytoken": {},
	"passw": {}, "passphrase": {}, "credentials": {}, "credential": {}, "auth": {}, "authtoken": {}, "accesstoken": {},
	"xyz": {}, "abcd": {}, "abcde": {}, "aaa": {}, "bbb": {}, "tbd": {}, "todo": {}, "fixme": {}, "replace": {},
	"testpassword": {}, "testpass": {}, "testsecret": {}, "testtoken": {}, "dummy": {}, "fake": {}, "mock": {},
	"pgpassword": {}, "rootpassword": {}, "adminpassword": {}, "userpassword": {}, "newpassword": {}, "oldpassword": {},
	"sekret": {}, "opensesame": {}, "s": {}, "x": {}, "u": {}, "asdf": {}, "asdfgh": {}, "zxcvbn": {}, "temp": {}, "tmp": {},
}

// leet undoes common letter substitutions ("p@ssw0rd", "s3cr3t").
var leet = map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

// weakValue reports whether v, reduced to its lower-case letters (also
// after undoing leetspeak and a "my" prefix), is a placeholder or a
// well-known weak default ("Password123!", "p@ssw0rd", "MyPass").
func weakValue(v []byte) bool {
	var tmp, tmp2 [128]byte
	w, l := tmp[:0], tmp2[:0]
	for _, b := range v {
		b = lower(b)
		if 'a' <= b && b <= 'z' {
			w = append(w, b)
			l = append(l, b)
		} else if c, ok := leet[b]; ok {
			l = append(l, c)
		}
		if len(w) == cap(w) || len(l) == cap(l) {
			break
		}
	}
	for _, x := range [][]byte{w, l, bytes.TrimPrefix(w, []byte("my")), bytes.TrimPrefix(l, []byte("my"))} {
		if _, ok := commonPasswords[string(x)]; ok {
			return true
		}
		// "password" plus leftover digits ("password1" -> "passwordi").
		if len(x) > 0 {
			if _, ok := commonPasswords[string(bytes.TrimRight(x, "ioeast"))]; ok && len(bytes.TrimRight(x, "ioeast")) >= 4 {
				return true
			}
		}
	}
	return bytes.HasPrefix(w, []byte("your")) || bytes.HasPrefix(w, []byte("enter")) || bytes.HasPrefix(w, []byte("insert")) || bytes.HasPrefix(w, []byte("replace")) || bytes.HasPrefix(w, []byte("put"))
}

func checkURLPassword(m *matchInfo) bool {
	user, pw := m.sub(1), m.secret
	if u, err := url.PathUnescape(string(pw)); err == nil {
		pw = []byte(u)
	}
	if bytes.Equal(user, pw) || len(pw) < 6 {
		return false
	}
	switch pw[0] {
	case '$', '%', '{', '<', '[', '*':
		return false
	}
	if isPlaceholder(pw) || weakValue(pw) {
		return false
	}
	// user:pass where both are words like "user:password" are examples.
	return !bytes.Equal(bytes.ToLower(pw), []byte("pass")) && !bytes.Equal(bytes.ToLower(pw), []byte("pwd"))
}

// checkLiteralPassword accepts a password that is not code, a placeholder
// or a weak default.
func checkLiteralPassword(m *matchInfo) bool {
	pw := m.secret
	return !codeLike(pw, true) && !isPlaceholder(pw) && !weakValue(pw)
}

func checkConnString(m *matchInfo) bool {
	lw := bytes.ToLower(m.line)
	if !bytes.Contains(lw, []byte("server=")) && !bytes.Contains(lw, []byte("data source=")) &&
		!bytes.Contains(lw, []byte("host=")) && !bytes.Contains(lw, []byte("user id=")) && !bytes.Contains(lw, []byte("uid=")) {
		return false
	}
	pw := m.secret
	return !codeLike(pw, true) && !isPlaceholder(pw) && !weakValue(pw)
}

func checkBasicAuth(m *matchInfo) bool {
	d, err := base64.StdEncoding.DecodeString(string(m.secret))
	if err != nil {
		return false
	}
	i := bytes.IndexByte(d, ':')
	if i <= 0 || i == len(d)-1 {
		return false
	}
	for _, b := range d {
		if b < 0x20 || b > 0x7e {
			return false
		}
	}
	pw := d[i+1:]
	return !isPlaceholder(pw) && !weakValue(pw) && !bytes.Equal(pw, d[:i])
}

// checkGenericXML adapts the XML rule's two alternatives to the generic
// filters, which expect the name in submatch 1.
func checkGenericXML(m *matchInfo) bool {
	loc := m.loc
	if loc[2] < 0 { // appSettings alternative: name in 3
		loc = []int{loc[0], loc[1], loc[6], loc[7], -1, -1, -1, -1, -1, -1, -1, -1}
	} else {
		loc = []int{loc[0], loc[1], loc[2], loc[3], -1, -1, -1, -1, -1, -1, -1, -1}
	}
	mm := matchInfo{window: m.window, loc: loc, secret: m.secret}
	return checkGenericAny(&mm)
}
