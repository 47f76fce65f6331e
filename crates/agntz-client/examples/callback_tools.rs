//! Callback tools: an agent whose tool `find_recipes` is answered by this
//! program. The worker POSTs each call, signed, to a `CallbackRouter`
//! served by hyper; the handler's answer becomes the tool result.
//!
//! Runs offline against the in-process mock worker, started so that it may
//! call `127.0.0.1` (a real worker refuses loopback URLs: give it a public
//! HTTPS endpoint instead, with the same router).
//!
//! ```text
//! cargo run -p agntz-client --example callback_tools
//! ```

use agntz_client::callbacks::{CallbackRequest, CallbackRouter, CallbackVerifier, ToolError};
use agntz_client::{AgentImport, AgntzClient, NewWebhookSecret, RunRequest};
use agntz_testkit::{TestWorker, TestWorkerConfig};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};

/// The tool's arguments, as its `inputSchema` declares them.
#[derive(Deserialize)]
struct FindRecipes {
    query: String,
}

#[derive(Serialize)]
struct Recipe {
    title: String,
    minutes: u32,
}

/// The tool. `call.runtime` is set by the worker (the model cannot choose
/// it): use it, not the arguments, to decide what the caller may see.
async fn find_recipes(call: CallbackRequest<FindRecipes>) -> Result<Vec<Recipe>, ToolError> {
    let query = call.args.query.trim();
    if query.is_empty() {
        // 400: final (not retried); the model reads the message.
        return Err(ToolError::invalid_arguments("query must not be empty"));
    }
    println!(
        "  find_recipes({query:?}) for run {} of agent {}",
        call.runtime.run_id, call.runtime.agent_id
    );
    Ok(vec![
        Recipe {
            title: format!("{query} al forno"),
            minutes: 40,
        },
        Recipe {
            title: format!("quick {query} salad"),
            minutes: 10,
        },
    ])
}

/// Serves `router` on 127.0.0.1; returns its URL.
async fn serve(router: CallbackRouter) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/agntz/tools", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            // The router is a hyper service as it is.
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), router.clone());
            tokio::spawn(connection);
        }
    });
    Ok(url)
}

fn manifest(url: &str) -> String {
    format!(
        "id: cooks
name: Cooks
kind: llm
model:
  provider: openai
  name: fake-model
instruction: Suggest recipes.
tools:
  - kind: callback
    name: find_recipes
    description: Search the recipes the user may see.
    url: {url}
    secret: recipes_callback
    timeoutMs: 10000
    maxRetries: 2
    inputSchema:
      type: object
      properties:
        query: {{ type: string }}
      required: [query]
"
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let worker =
        TestWorker::start_with(TestWorkerConfig::default().loopback_callbacks(true)).await?;
    let client = AgntzClient::new(worker.api_key(), worker.base_url())?;

    // The worker signs calls with a webhook secret, named in the manifest.
    let secret = client
        .webhook_secrets()
        .create(NewWebhookSecret::new("recipes_callback"))
        .await?;
    let router = CallbackRouter::builder(CallbackVerifier::new(secret.value.clone()))
        .tool("find_recipes", find_recipes)
        .on_failure(|tool, delivery, failure| eprintln!("{tool} failed on {delivery}: {failure:?}"))
        .build();
    let url = serve(router).await?;
    println!("answering callback tools at {url}");

    // Import probes the URL with OPTIONS; the router answers it.
    let imported = client
        .agents()
        .import(AgentImport::new([manifest(&url)]))
        .await?;
    println!(
        "imported {} ({})",
        imported.results[0].id, imported.results[0].action
    );

    // The mock's model calls the tool when asked with CALLBACK:<name>.
    for query in ["tomato", " "] {
        let input = format!(r#"CALLBACK:find_recipes ARGS:{{"query":"{query}"}}"#);
        let result = client
            .agents()
            .run(RunRequest::new("cooks").input(input))
            .await?;
        let output = result.output.as_str().unwrap_or_default();
        println!("run {} -> {output}", result.run_id);
    }
    Ok(())
}
