/**
 * `npm run bench -- <name> [args]`: runs one benchmark, which prints a table and then one JSON line.
 * Names: engine (steps/s per family × objective), import (CSV import speed and memory), vae (one epoch of the
 * canonical VAE), vae-arch (ladder vs one-layer and conv vs MLP test log-likelihoods), lda (online and batch LDA
 * against gensim's figures), bnn (the Hernández-Lobato & Adams protocol), mcmc (the reference posterior's NUTS on GLM
 * log joints: seconds, ESS per second, R̂).
 */
const benches: Record<string, string> = {
  engine: './engine',
  import: './import',
  vae: './vae',
  'vae-arch': './vae-arch',
  lda: './lda',
  bnn: './bnn',
  mcmc: './mcmc',
};

async function main() {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || !(name in benches)) {
    console.error(`Usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]`);
    process.exit(2);
  }
  process.argv = [process.argv[0]!, process.argv[1]!, ...rest];
  const mod = (await import(benches[name]!)) as { main?: () => Promise<void> };
  if (mod.main) await mod.main();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
