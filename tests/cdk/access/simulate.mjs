// Evaluates IAM requests with @cloud-copilot/iam-simulate (a test-time tool, AGPL-3.0: never
// bundled into a Lambda asset). Reads a JSON array of {id, simulation} on stdin and writes a JSON
// array of {id, result, errors, denials} on stdout, where result is Allowed, ImplicitlyDenied or
// ExplicitlyDenied and denials names the policies that denied (identity, resource, ...).
import { getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const results = []
for (const { id, simulation } of cases) {
  // Strict mode: the request context is exactly what is given; a missing key matches no condition.
  const response = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (response.resultType === 'error') {
    results.push({ id, result: 'Error', errors: response.errors, denials: [] })
    continue
  }
  let denials = []
  if (response.overallResult !== 'Allowed' && response.resultType === 'single') {
    try {
      denials = getDenialReasons(response.result.analysis)
    } catch (error) {
      denials = [String(error)]
    }
  }
  results.push({ id, result: response.overallResult, errors: null, denials })
}
process.stdout.write(JSON.stringify(results))
