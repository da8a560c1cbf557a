import Foundation
import RouterCore
import RouterEvaluation

extension HeadTraining {
    /// A mixture of experts: one head per data file (each fitted on that file's rows alone, its
    /// L2 chosen on its own validation slice) and a gate (a head over the same features whose
    /// classes are the files) that weighs the experts for each query. A benchmark's own expert
    /// judges queries like it, so mixing exam questions and chat prompts costs neither its
    /// quality (docs/heads.md). At most five files; each needs enough rows to fit.
    public func runExperts(name: String, identity: ScoringIdentity, datasets: [BenchmarkDataset], entries: [[FeatureCache.Entry]],
                           description: [String: String] = [:]) -> Outcome {
        precondition(datasets.count >= 2 && datasets.count <= 5, "2 to 5 data files for a mixture")
        var single = self
        single.neighbourhood = false
        single.balanceBenchmarks = false
        var experts: [LabelHead] = []
        var candidates: [Candidate] = []
        for (dataset, rows) in zip(datasets, entries) {
            let outcome = single.run(name: dataset.name, identity: identity, datasets: [dataset], entries: [rows])
            var expert = outcome.head
            expert.training = ["rows": String(dataset.rows.count), "l2": expert.training["l2"] ?? "",
                               "validation_apgr": expert.training["validation_apgr"] ?? ""]
            experts.append(expert)
            candidates.append(outcome.candidates[outcome.chosen])
        }
        // The gate: which file a query is like, every file weighing the same.
        let recipe = features
        let vectors = entries.flatMap { $0.map { $0.vector(recipe)! } }
        let fileOfRow = datasets.indices.flatMap { Array(repeating: $0, count: datasets[$0].rows.count) }
        let weights = fileOfRow.map { Float(vectors.count) / Float(datasets.count * max(1, datasets[$0].rows.count)) }
        let (best, bestL2) = fitLowestValidationLoss(features: vectors, labels: fileOfRow.map { $0 + 1 }, rowWeights: weights)
        var head = Self.head(from: best, name: name, identity: identity, target: target, features: recipe)
        head.format = LabelHead.format(for: recipe, listingFeatures: true)
        head.experts = experts
        settle(&head, trainingRows: vectors, heldOut: best.validationRows)
        var training = description
        training["rows"] = String(vectors.count)
        training["rows_per_benchmark"] = datasets.map { "\($0.name)=\($0.rows.count)" }.joined(separator: ",")
        training["features"] = recipe.summary
        training["experts"] = datasets.map(\.name).joined(separator: ",")
        training["gate_l2"] = String(bestL2)
        training["gate_validation_accuracy"] = String(format: "%.4f", best.validationAccuracy)
        training["expert_l2"] = zip(datasets, candidates).map { "\($0.name)=\($1.l2)" }.joined(separator: ",")
        training["validation_apgr"] = candidates.flatMap(\.validationAPGR).map { "\($0.benchmark)=\(String(format: "%.3f", $0.apgr))" }
            .joined(separator: ",")
        head.training = training
        return Outcome(head: head, candidates: candidates, chosen: 0)
    }
}
