import { describe, expect, it } from "vitest";
import { parseLlm, parseMessages } from "./messages";

describe("OpenInference messages (what Agno writes)", () => {
  const attrs = {
    "llm.input_messages.0.message.role": "system",
    "llm.input_messages.0.message.content": "Answer weather questions.",
    "llm.input_messages.1.message.role": "user",
    "llm.input_messages.1.message.content": "Weather in Paris?",
    "llm.input_messages.2.message.role": "tool",
    "llm.input_messages.2.message.content": "21C",
    "llm.input_messages.2.message.tool_call_id": "call_1",
    "llm.input_messages.10.message.role": "user",
    "llm.input_messages.10.message.content": "tenth",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_0001_0",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
    "llm.invocation_parameters": '{"temperature": 0.2}',
    "llm.model_name": "gpt-4o-mini",
    "llm.provider": "OpenAI",
    "llm.token_count.prompt": 47,
    "llm.token_count.completion": "4",
    "llm.tools.0.tool.json_schema": '{"type": "function", "function": {"name": "get_weather"}}',
  };

  it("reads roles, contents, tool results and tool calls in index order", () => {
    const { input, output } = parseMessages(attrs);
    expect(input.map((m) => m.role)).toEqual(["system", "user", "tool", "user"]);
    expect(input[3]!.content).toBe("tenth");
    expect(input[2]!.toolCallId).toBe("call_1");
    expect(output).toHaveLength(1);
    expect(output[0]!.toolCalls).toEqual([{ id: "call_0001_0", name: "get_weather", arguments: '{"city": "Paris"}' }]);
  });

  it("reads model, params, tokens and tools", () => {
    const info = parseLlm(attrs);
    expect(info.model).toBe("gpt-4o-mini");
    expect(info.provider).toBe("OpenAI");
    expect(info.params).toEqual({ temperature: 0.2 });
    expect([info.promptTokens, info.completionTokens, info.totalTokens]).toEqual([47, 4, 51]);
    expect(info.tools).toEqual(["get_weather"]);
  });

  it("reads multi-part contents", () => {
    const { input } = parseMessages({
      "llm.input_messages.0.message.role": "user",
      "llm.input_messages.0.message.contents.0.message_content.type": "text",
      "llm.input_messages.0.message.contents.0.message_content.text": "look",
      "llm.input_messages.0.message.contents.1.message_content.type": "image",
      "llm.input_messages.0.message.contents.1.message_content.image.image.url": "https://x/y.png",
    });
    expect(input[0]!.content).toBe("look\n[image: https://x/y.png]");
  });

  it("reads messages stored as one JSON array", () => {
    const { input } = parseMessages({ "llm.input_messages": '[{"message.role": "user", "message.content": "hi"}]' });
    expect(input).toEqual([{ role: "user", content: "hi", name: null, toolCalls: [], toolCallId: null }]);
  });
});

describe("OpenTelemetry GenAI messages", () => {
  it("reads indexed prompt/completion attributes", () => {
    const info = parseLlm({
      "gen_ai.prompt.0.role": "user",
      "gen_ai.prompt.0.content": "2+2?",
      "gen_ai.completion.0.role": "assistant",
      "gen_ai.completion.0.content": "",
      "gen_ai.completion.0.tool_calls.0.id": "c1",
      "gen_ai.completion.0.tool_calls.0.name": "add",
      "gen_ai.completion.0.tool_calls.0.arguments": '{"a":2,"b":2}',
      "gen_ai.request.model": "claude-sonnet-4",
      "gen_ai.request.temperature": 0.5,
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 5,
    });
    expect(info.input).toEqual([{ role: "user", content: "2+2?", name: null, toolCalls: [], toolCallId: null }]);
    expect(info.output[0]!.toolCalls).toEqual([{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }]);
    expect(info.model).toBe("claude-sonnet-4");
    expect(info.params).toEqual({ temperature: 0.5 });
    expect(info.totalTokens).toBe(15);
  });

  it("reads the JSON message arrays with parts", () => {
    const info = parseLlm({
      "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "Be brief." }]),
      "gen_ai.input.messages": JSON.stringify([
        { role: "user", parts: [{ type: "text", content: "Weather?" }] },
        { role: "assistant", parts: [{ type: "tool_call", id: "t1", name: "weather", arguments: { city: "Rome" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "t1", response: "sunny" }] },
      ]),
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Sunny." }], finish_reason: "stop" }]),
    });
    expect(info.input.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(info.input[0]!.content).toBe("Be brief.");
    expect(info.input[2]!.toolCalls).toEqual([{ id: "t1", name: "weather", arguments: '{"city":"Rome"}' }]);
    expect(info.input[3]).toMatchObject({ content: "sunny", toolCallId: "t1" });
    expect(info.output[0]!.content).toBe("Sunny.");
  });

  it("reads message events", () => {
    const { input, output } = parseMessages({
      "tracedeck.events": [
        { name: "gen_ai.user.message", time: "", attributes: { content: "hello" } },
        { name: "gen_ai.choice", time: "", attributes: { message: '{"role":"assistant","content":"hi!"}' } },
      ],
    });
    expect(input).toEqual([{ role: "user", content: "hello", name: null, toolCalls: [], toolCallId: null }]);
    expect(output[0]!.content).toBe("hi!");
  });

  it("is total on junk", () => {
    expect(parseMessages({ "llm.input_messages": "{not json", "gen_ai.input.messages": 3 })).toEqual({ input: [], output: [] });
    expect(parseLlm({}).totalTokens).toBeNull();
  });
});
