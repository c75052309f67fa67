//! `ddctl`: the Direct Deposits command line.

mod cipher_io;
mod data_dir;
mod database;
mod decrypt_cmd;
mod import;
mod key_source;
mod legacy_cmd;
mod migrate;
mod outbox_cmd;
mod payroll_sim;
mod rewrap;
mod serve;
mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ddctl",
    version,
    about = "Direct Deposits: legacy ciphers, local all-in-one server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decrypt or encrypt with one of the six legacy .NET schemes.
    Legacy {
        #[command(subcommand)]
        action: legacy_cmd::LegacyAction,
    },
    /// Decrypt a legacy ciphertext (base64) or a dd1: envelope on stdin (plaintext to stdout).
    Decrypt(decrypt_cmd::DecryptArgs),
    /// Encrypt stdin with the decrypt Lambda's key (base64 and a newline to stdout).
    Encrypt(decrypt_cmd::EncryptArgs),
    /// Serve the API, the decryptor and a payroll simulator on 127.0.0.1 (demo data).
    Serve(serve::ServeArgs),
    /// Print a bearer token for a user of a `ddctl serve` data directory.
    Token(token::TokenArgs),
    /// Serve the local payroll suite (simulator) with optional fault injection.
    PayrollSim(payroll_sim::PayrollSimArgs),
    /// Rewrap legacy ciphertexts (a file of lines or a SQL column) as dd1: envelopes.
    Rewrap(Box<rewrap::RewrapArgs>),
    /// Apply the database schema migrations (idempotent; `docs/deploy.md`).
    Migrate(migrate::MigrateArgs),
    /// Work the payroll outbox.
    Outbox {
        #[command(subcommand)]
        action: outbox_cmd::OutboxAction,
    },
    /// Import a tenant from the legacy SQL Server tables (CSV exports, docs/migration.md).
    Import {
        #[command(subcommand)]
        action: import::ImportAction,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Legacy { action } => legacy_cmd::run(action),
        Command::Decrypt(args) => decrypt_cmd::run_decrypt(&args),
        Command::Encrypt(args) => decrypt_cmd::run_encrypt(&args),
        Command::Serve(args) => serve::run(args),
        Command::Token(args) => token::run(&args),
        Command::PayrollSim(args) => payroll_sim::run(&args),
        Command::Outbox { action } => outbox_cmd::run(action),
        Command::Rewrap(args) => rewrap::run(*args),
        Command::Import { action } => import::run(action),
        Command::Migrate(args) => migrate::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that starts with a stable kind, so scripts can branch on it.
            eprintln!("{}: {err:#}", error_kind(&err));
            ExitCode::FAILURE
        }
    }
}

/// The stable kind of an error: the crypto kind where there is one.
fn error_kind(err: &anyhow::Error) -> &'static str {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<dd_crypto::CryptoError>())
        .map(dd_crypto::CryptoError::kind)
        // An `IoKind` is usually a context layer, which `chain()` does not expose as its own
        // type; anyhow's `downcast_ref` looks through every context layer.
        .or_else(|| {
            err.downcast_ref::<cipher_io::IoKind>()
                .map(|kind| kind.as_str())
        })
        .unwrap_or("error")
}
