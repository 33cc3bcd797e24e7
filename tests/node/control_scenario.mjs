// A test written in JavaScript against `oai-mock serve`: it scripts the fake through the control
// API with fetch, drives it with the official `openai` package, and reads the journal back.
// OAI_MOCK_URL is the server (no /v1), OAI_MOCK_KEY its key. Prints one JSON line of findings.
import OpenAI from "openai";

const base = process.env.OAI_MOCK_URL;
const key = process.env.OAI_MOCK_KEY;

async function control(path, method = "GET", body = undefined) {
  const response = await fetch(`${base}/__oai_mock${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const health = await control("/health");
await control("/reset", "POST");
const added = await control("/rules", "POST", {
  rules: [
    { operation: "chat", contains: "weather", reply: { content: "Sunny in Paris" }, times: null },
    { operation: "embeddings", fault: { status: 429, headers: { "retry-after-ms": "5" } } },
  ],
});
const refused = await control("/rules", "POST", { operation: "chta", reply: { content: "x" } });

const client = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 2 });
const chat = await client.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
});
const stream = await client.chat.completions.create({
  model: "gpt-4o-mini",
  stream: true,
  messages: [{ role: "user", content: "And the weather tomorrow?" }],
});
let streamed = "";
for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
const embedding = await client.embeddings.create({ model: "text-embedding-3-small", input: "x" });

const journal = await control("/journal?operation=embeddings");
const opened = await control(`/journal/${journal.body.data[0].id}`);
const rules = await control("/rules");
const clock = await control("/clock/advance", "POST", { seconds: 3600 });

console.log(JSON.stringify({
  health: health.body.status,
  added: added.status,
  refusedStatus: refused.status,
  refusedMessage: refused.body.error.message,
  chat: chat.choices[0].message.content,
  streamed,
  embeddingLength: embedding.data[0].embedding.length,
  embeddingStatuses: journal.body.data.map((e) => e.status),
  firstEmbeddingRule: opened.body.rule ? opened.body.rule.id : null,
  rulesUsed: rules.body.data.map((r) => r.used),
  clockMode: clock.body.mode,
  userAgent: opened.body.request.headers["user-agent"],
}));
