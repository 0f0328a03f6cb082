//! Writes the program's Anchor IDL without the anchor CLI:
//!   idl-gen <program-crate-dir> <out.json>
//! It runs what `anchor idl build` runs (anchor-lang-idl's IdlBuilder, which compiles the
//! program's `idl-build` feature on the host and collects the printed fragments).
use std::path::PathBuf;

mod seeds;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let program_path: PathBuf = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: idl-gen <program-crate-dir> [out.json]"))?
        .into();
    let out = args.next();

    // anchor-lang-idl 0.1.4 runs `cargo +$RUSTUP_TOOLCHAIN test ...` when that variable is
    // set (rustup always sets it under `cargo run`), which fails; use the directory's toolchain.
    std::env::remove_var("RUSTUP_TOOLCHAIN");

    let mut idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(std::fs::canonicalize(program_path)?)
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .build()?;
    let (pdas, addresses) = seeds::describe(&mut idl);
    eprintln!("[idl-gen] described {pdas} PDA accounts and {addresses} fixed addresses");
    let json = serde_json::to_string_pretty(&idl)? + "\n";
    match out {
        Some(p) => std::fs::write(p, json)?,
        None => print!("{json}"),
    }
    Ok(())
}
