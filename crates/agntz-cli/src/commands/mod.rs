//! One module per command group; [`dispatch`] runs the parsed command line.

mod auth;
mod eval;
mod manifests;
mod publish;
mod run;
mod runs;
mod tooling;
mod traces;

use agntz_client::AgntzClient;

use crate::cli::{Cli, Command, PublishTarget};
use crate::config;
use crate::error::{CliError, Exit};
use crate::output::Styles;

/// What a command that talks to the worker needs.
pub struct Ctx {
    /// The client (key and URL resolved).
    pub client: AgntzClient,
    /// The worker URL, for messages.
    pub url: String,
    /// Colours.
    pub styles: Styles,
}

/// Set to `1` to send the key over plain `http://` to another host.
const ENV_INSECURE: &str = "AGNTZ_ALLOW_INSECURE_HTTP";

impl Ctx {
    /// Resolves the key and URL (`url_flag` first) and builds the client;
    /// without a key only when `key_required` is false.
    fn connect(
        styles: Styles,
        url_flag: Option<&str>,
        key_required: bool,
    ) -> Result<Ctx, CliError> {
        let resolved = config::resolve(url_flag)?;
        let mut builder = AgntzClient::builder();
        if key_required {
            builder = builder.api_key(resolved.require_key()?);
        } else if let Some((key, _)) = &resolved.key {
            builder = builder.api_key(key);
        }
        let insecure =
            std::env::var(ENV_INSECURE).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
        let client = builder
            .base_url(&resolved.url)
            .allow_insecure_http(insecure)
            .build()
            .map_err(|e| {
                let plain_http = e.to_string().contains("plain http");
                let error = CliError::from(e);
                if plain_http {
                    error.hint(format!("use https, or set {ENV_INSECURE}=1 to allow it"))
                } else {
                    error.hint("check the URL (`agntz whoami` shows where it comes from)")
                }
            })?;
        Ok(Ctx {
            client,
            url: resolved.url,
            styles,
        })
    }
}

/// Runs the command line.
pub fn dispatch(cli: Cli, styles: Styles) -> Result<Exit, CliError> {
    match cli.command {
        Command::Login(args) => auth::login(&args, &styles),
        Command::Logout => auth::logout(&styles),
        Command::Whoami(args) => auth::whoami(&args, &styles),
        Command::Completions(args) => {
            auth::completions(args.shell);
            Ok(Exit::Ok)
        }
        Command::Publish(args) if args.target != PublishTarget::Agents => Err(CliError::usage(
            "`publish sessions` and `publish memory` are not supported: they copy local SQLite stores of the official TypeScript runtime",
        )
        .hint("publish manifests with `agntz publish` (or `agntz publish agents`)")),
        command => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(remote(command, styles))
        }
    }
}

/// The commands that talk to the worker.
async fn remote(command: Command, styles: Styles) -> Result<Exit, CliError> {
    if let Command::Run(args) = &command {
        run::check_target(args)?;
    }
    let url_flag = match &command {
        Command::Publish(args) => args.url.clone(),
        Command::Create(args) => args.url.clone(),
        Command::Edit(args) => args.url.clone(),
        _ => None,
    };
    // The agent builder is public: `create` works without logging in.
    let key_required = !matches!(command, Command::Create(_));
    let ctx = Ctx::connect(styles, url_flag.as_deref(), key_required)?;
    let result = match command {
        Command::Run(args) => run::run(&ctx, args).await,
        Command::Runs(command) => runs::dispatch(&ctx, command).await,
        Command::Traces(command) => traces::dispatch(&ctx, command).await,
        Command::Eval(command) => eval::dispatch(&ctx, command).await,
        Command::Publish(args) => publish::publish(&ctx, &args).await,
        Command::Validate(args) => tooling::validate(&ctx, &args).await,
        Command::Create(args) => tooling::create(&ctx, &args).await,
        Command::Edit(args) => tooling::edit(&ctx, &args).await,
        Command::Login(_) | Command::Logout | Command::Whoami(_) | Command::Completions(_) => Err(
            CliError::failed("internal error: this command needs no worker"),
        ),
    };
    result.map_err(|e| e.at_url(&ctx.url))
}
