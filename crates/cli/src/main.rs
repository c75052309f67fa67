//! `ddctl`: the Direct Deposits command line.

mod cipher_io;
mod key_source;
mod legacy_cmd;

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
    /// Decrypt base64 on stdin with the decrypt Lambda's key (plaintext to stdout).
    Decrypt(key_source::KeyArgs),
    /// Encrypt stdin with the decrypt Lambda's key (base64 and a newline to stdout).
    Encrypt(key_source::KeyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Legacy { action } => legacy_cmd::run(action),
        Command::Decrypt(key) => key_source::run_decrypt(&key),
        Command::Encrypt(key) => key_source::run_encrypt(&key),
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
        .or_else(|| {
            err.chain()
                .find_map(|cause| cause.downcast_ref::<cipher_io::IoKind>())
                .map(|kind| kind.as_str())
        })
        .unwrap_or("error")
}
