//! The `onward` binary: everything happens in [`onward::cli`].

fn main() -> std::process::ExitCode {
    onward::cli::main()
}
